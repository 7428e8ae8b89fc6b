package ingest

import (
	"errors"
	"fmt"

	"github.com/minqing/minqing/ingest/fetch"
)

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

// Date orders a source can declare (SourceConfig.DateOrder).
const (
	DateOrderYMD = "ymd" // the default
	DateOrderMDY = "mdy"
	DateOrderDMY = "dmy"
)

// CheckDateOrder reports whether order is a date order a source may declare ("" is the
// default, ymd).
func CheckDateOrder(order string) error {
	switch order {
	case "", DateOrderYMD, DateOrderMDY, DateOrderDMY:
		return nil
	}
	return fmt.Errorf("%q is not ymd, mdy or dmy", order)
}

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
	// GB18030), utf-8, gb18030 (gbk and gb2312 are read as GB18030, their superset),
	// utf-16 (BOM decides, else little-endian), utf-16le or utf-16be.
	Encoding string `yaml:"encoding"`
	// DateOrder says how this source's dates whose year comes last read: mdy
	// (10/01/2015 is 1 October 2015) or dmy (10 January 2015). Under ymd, the default,
	// such dates are refused (BAD_DATE), never guessed; a date whose year comes first is
	// always year-month-day, whatever the order.
	DateOrder string `yaml:"date_order"`
	// Headers maps a header as written in this source's files to a canonical field; it
	// overrides the built-in synonyms (ingest/headers.csv).
	Headers map[string]string `yaml:"headers"`
	// TopicSeparator, when set, splits the topic into levels as the export writes them
	// (城市管理/市容环境/占道经营 with "/"); each level is a breakdown of its own.
	TopicSeparator string `yaml:"topic_separator"`
	// Labels maps, per field, a label as this source writes it to a canonical value
	// (e.g. satisfaction: {"5": 满意, "3": 基本满意}); it overrides the built-in
	// vocabulary (transform/labels.csv) for this source only.
	Labels map[string]map[string]string `yaml:"labels"`
	// Defaults gives a field a constant value for every row that has none (no such
	// column, or an empty cell): e.g. channel: 12345热线 for a hotline export. Each
	// file's register row says which defaults it applied and to how many rows.
	Defaults map[string]string `yaml:"defaults"`
}

// Encodings are the values a source's encoding may take.
var Encodings = []string{"auto", "utf-8", "gb18030", "gbk", "gb2312", "utf-16", "utf-16le", "utf-16be"}

// CheckDefault reports whether field may be given a default for kind: a field of the
// kind, other than a case number (every row would be one case) or a citizen's personal
// data. Whether a labelled field's value is known is the vocabulary's to say.
func CheckDefault(kind, field string) error {
	switch {
	case !isField(kind, field):
		return fmt.Errorf("%q is not a %s field", field, kind)
	case field == "case_no":
		return errors.New("case_no cannot be a constant: every row would be one case")
	case personalFields[field]:
		return fmt.Errorf("%s is a citizen's personal data, never a constant", field)
	}
	return nil
}
