package ingest

import "github.com/minqing/minqing/ingest/fetch"

// Record kinds a source can declare.
const (
	KindCases    = "cases"
	KindVisits   = "visits"
	KindServices = "services"
)

// Unit levels a source can declare.
const (
	LevelDistrict = "district"
	LevelTownship = "township"
	LevelVillage  = "village"
)

// SourceConfig is one source in the YAML config: a set of export files of one record kind.
type SourceConfig struct {
	Name  string `yaml:"name"`
	Kind  string `yaml:"kind"`  // cases, visits or services
	Level string `yaml:"level"` // district, township or village: the level of the exporting unit
	// Unit is the code of the exporting unit, if known. Unit names in its rows are then
	// matched within that unit's subtree of the register.
	Unit string `yaml:"unit"`
	// Paths are glob patterns, relative to the config file's folder.
	Paths []string `yaml:"paths"`
	// HTTP pulls the export from a URL instead (secrets from environment variables);
	// each download is archived under its SHA-256 before it is read.
	HTTP *fetch.Config `yaml:"http"`
	// Encoding of text files: auto (a UTF-16 BOM, else UTF-8 with or without BOM, else
	// GB18030), utf-8, gb18030, utf-16 (BOM decides, else little-endian), utf-16le or utf-16be.
	Encoding string `yaml:"encoding"`
	// Headers maps a header as written in this source's files to a canonical field; it
	// overrides the built-in synonyms (ingest/headers.csv).
	Headers map[string]string `yaml:"headers"`
	// Labels maps, per field, a label as this source writes it to a canonical value
	// (e.g. satisfaction: {"5": 满意, "3": 基本满意}); it overrides the built-in
	// vocabulary (transform/labels.csv) for this source only.
	Labels map[string]map[string]string `yaml:"labels"`
}
