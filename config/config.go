// Package config reads minqing's one YAML file: strictly (unknown keys are errors), with
// defaults that work, validated with errors that name the field. It imports the stages
// only for their option types and checks (a schedule's cron spec, a period).
package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/schedules"
	"github.com/minqing/minqing/transform"
)

// Config is the whole configuration. Relative paths are resolved against Dir, the
// folder of the config file.
type Config struct {
	// Store is the DuckDB database file; default minqing.duckdb.
	Store string `yaml:"store"`
	// MemoryLimit caps the store's working memory (DuckDB's memory_limit, "4GB" by
	// default); past it, work spills to TempDir (default: the store's path + ".tmp").
	MemoryLimit string `yaml:"memory_limit"`
	TempDir     string `yaml:"temp_dir"`
	// Units is the units register CSV: code,name,level,parent,aliases (aliases split by |).
	Units string `yaml:"units"`
	// Catalogue is the service catalogue CSV: item,days.
	Catalogue string `yaml:"catalogue"`
	// UnitsHeaders and CatalogueHeaders map a register's own column names to minqing's
	// (file header → code, name, level, parent, aliases; item, days), e.g. parent_code:
	// parent, so that a register kept under other names loads as it is.
	UnitsHeaders     map[string]string `yaml:"units_headers"`
	CatalogueHeaders map[string]string `yaml:"catalogue_headers"`
	// Headers maps, per record kind, a header as exports write it to a canonical field,
	// for every source of that kind (cases: {来电号码: citizen_phone}); a source's own
	// headers win over them, and they over the built-in synonyms (ingest/headers.csv).
	Headers map[string]map[string]string `yaml:"headers"`
	// Labels maps, per field, a label as exports write it to a canonical value, for every
	// source (channel: {市民热线: 热线}); a source's own labels win over them, and they
	// over the built-in vocabulary (transform/labels.csv).
	Labels map[string]map[string]string `yaml:"labels"`
	// HashKeyFile holds the secret key for hashing citizen identities; created with a
	// random key when missing. Default: the store's path with ".key" appended.
	HashKeyFile string `yaml:"hash_key_file"`
	// Privacy: what personal data the store may hold.
	Privacy Privacy `yaml:"privacy"`
	// Archive keeps HTTP sources' downloads under their SHA-256; default archive.
	Archive string `yaml:"archive"`
	// Out is where reports and dashboards are written; default out.
	Out       string                `yaml:"out"`
	Sources   []ingest.SourceConfig `yaml:"sources"`
	Rules     transform.Rules       `yaml:"rules"`
	Schedules []Schedule            `yaml:"schedules"`
	// Serve configures `minqing serve`.
	Serve Serve `yaml:"serve"`
	// Report is what the department's documents say of who made them, the formats
	// `report` writes, the 红黑榜 and the thresholds that mark a rate red.
	Report Report `yaml:"report"`
	// Deliver is where each run's outputs go once it has succeeded.
	Deliver Deliver `yaml:"deliver"`
	// Engine is where the models run: the embedded store (default) or a Spark cluster.
	Engine Engine `yaml:"engine"`

	Dir  string `yaml:"-"` // the config file's folder, absolute
	File string `yaml:"-"` // the config file, absolute
}

// Privacy settings. By default the store holds citizens' names, phones and ID numbers
// only as keyed hashes and masks, so nothing personal can leave it unmasked.
type Privacy struct {
	// KeepPersonalData stores names, phones, ID numbers and unscrubbed descriptions in
	// clear, in a table of their own, so that an auditor's copy of the workbook
	// (`minqing report --auditor-copy`) can show them. Files loaded before it was turned
	// on have none.
	KeepPersonalData bool `yaml:"keep_personal_data"`
}

// Schedule is one scheduled entry: which pipeline job to run and when (Asia/Shanghai),
// by a cron spec or by a working day after each period's end (on); exactly one is given.
type Schedule struct {
	Name string `yaml:"name"`
	Cron string `yaml:"cron"`
	// WorkdaysOnly skips the cron spec's fire times on days off (official calendar,
	// make-up working days included); an On schedule fires on working days anyway.
	WorkdaysOnly bool `yaml:"workdays_only"`
	// On is the Nth working day after each period's last day: quarter_end+3wd (when
	// quarterly reports are due), month_end+Nwd or year_end+Nwd, with 1 ≤ N ≤ 30.
	On string `yaml:"on"`
	// At is the time of day of an On schedule, HH:MM; default 08:00.
	At  string `yaml:"at"`
	Job string `yaml:"job"` // run (default): ingest, transform, reports, dashboards
	// Period is the report period: a fixed one (a quarter 2024Q3, a month 2024-07, a year
	// 2024) or "last-quarter" (default; "latest" is the same), the newest quarter that is
	// over in the data (the newest with cases while none is over).
	Period string `yaml:"period"`
}

// When returns the schedule's timing for the Scheduler.
func (s Schedule) When() schedules.When {
	return schedules.When{Cron: s.Cron, WorkdaysOnly: s.WorkdaysOnly, On: s.On, At: s.At}
}

// Load reads, defaults and validates the config file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("resolving config folder: %w", err)
	}
	c.Dir = abs
	c.File = filepath.Join(abs, filepath.Base(path))
	return c, nil
}

// Parse decodes and validates config text; Dir is left empty.
func Parse(b []byte) (*Config, error) {
	if err := checkDocument(b); err != nil {
		return nil, err
	}
	c := &Config{Rules: transform.DefaultRules()}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		// checkDocument has named every unknown key and ill-kinded value; what is left
		// (a second document, say) is said without the library's type names.
		return nil, errors.New(plainYAMLError(err))
	}
	c.applyDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	c.shareHeaders()
	return c, nil
}

func (c *Config) applyDefaults() {
	if c.Store == "" {
		c.Store = "minqing.duckdb"
	}
	if c.Out == "" {
		c.Out = "out"
	}
	if c.Archive == "" {
		c.Archive = "archive"
	}
	if c.HashKeyFile == "" {
		c.HashKeyFile = c.Store + ".key"
	}
	for i := range c.Sources {
		if c.Sources[i].Encoding == "" {
			c.Sources[i].Encoding = "auto"
		}
		c.Sources[i].Encoding = strings.ToLower(c.Sources[i].Encoding)
		if c.Sources[i].DateOrder == "" {
			c.Sources[i].DateOrder = ingest.DateOrderYMD
		}
	}
	c.Serve.applyDefaults(c.Store)
	c.Report.applyDefaults()
	c.Deliver.applyDefaults()
	c.Engine.applyDefaults(c.Store)
	for i := range c.Schedules {
		if c.Schedules[i].Job == "" {
			c.Schedules[i].Job = "run"
		}
		if c.Schedules[i].Period == "" {
			c.Schedules[i].Period = "last-quarter"
		}
		if c.Schedules[i].On != "" && c.Schedules[i].At == "" {
			c.Schedules[i].At = schedules.DefaultAt
		}
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Units == "" {
		errs = append(errs, errors.New("units: the units register file is required"))
	}
	rates := map[string]bool{}
	for _, d := range transform.FigureDefs() {
		if d.Kind == transform.KindRate {
			rates[d.ID] = true
		}
	}
	errs = append(errs, c.Deliver.check()...)
	if err := c.Report.validate(rates); err != nil {
		errs = append(errs, err)
	}
	names := map[string]bool{}
	for i, s := range c.Sources {
		at := fmt.Sprintf("sources[%d]", i)
		if s.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name: required", at))
		} else if names[s.Name] {
			errs = append(errs, fmt.Errorf("%s.name: %q used twice", at, s.Name))
		}
		names[s.Name] = true
		switch s.Kind {
		case ingest.KindCases, ingest.KindVisits, ingest.KindServices:
		default:
			errs = append(errs, fmt.Errorf("%s.kind: %q is not cases, visits or services", at, s.Kind))
		}
		switch s.Level {
		case ingest.LevelDistrict, ingest.LevelTownship, ingest.LevelVillage:
		default:
			errs = append(errs, fmt.Errorf("%s.level: %q is not district, township or village", at, s.Level))
		}
		switch {
		case s.HTTP != nil && len(s.Paths) > 0:
			errs = append(errs, fmt.Errorf("%s: give paths or http, not both", at))
		case s.HTTP != nil:
			if err := s.HTTP.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("%s.http: %w", at, err))
			}
		case len(s.Paths) == 0:
			errs = append(errs, fmt.Errorf("%s.paths: at least one glob pattern is required (or an http source)", at))
		}
		for _, p := range s.Paths {
			if _, err := filepath.Match(p, ""); err != nil {
				errs = append(errs, fmt.Errorf("%s.paths: %q: %w", at, p, err))
			}
		}
		if err := ingest.CheckDateOrder(s.DateOrder); err != nil {
			errs = append(errs, fmt.Errorf("%s.date_order: source %q: %w", at, s.Name, err))
		}
		if !slices.Contains(ingest.Encodings, s.Encoding) {
			errs = append(errs, fmt.Errorf("%s.encoding: %q is not auto, utf-8, gb18030 (gbk, gb2312) or utf-16(le|be)", at, s.Encoding))
		}
		errs = append(errs, c.validateVocabulary(at, s)...)
	}
	errs = append(errs, c.validateShared()...)
	if err := c.Rules.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("rules: %w", err))
	}
	jobs := map[string]bool{}
	for i, s := range c.Schedules {
		// The run history and the catch-up of missed runs go by name: two schedules
		// sharing one would each take the other's runs for their own.
		if jobs[s.Name] {
			errs = append(errs, fmt.Errorf("schedules[%d].name: %q used twice", i, s.Name))
		}
		jobs[s.Name] = true
		switch {
		case s.Cron == "" && s.On == "":
			errs = append(errs, fmt.Errorf("schedules[%d].cron: required (or on: quarter_end+Nwd)", i))
		case s.Cron != "" && s.On != "":
			errs = append(errs, fmt.Errorf("schedules[%d].on: give cron or on, not both", i))
		case s.Cron != "":
			if err := schedules.CheckSpec(s.Cron); err != nil {
				errs = append(errs, fmt.Errorf("schedules[%d].cron: %q: %w", i, s.Cron, err))
			}
			if s.At != "" {
				errs = append(errs, fmt.Errorf("schedules[%d].at: goes with on; a cron spec states its own time", i))
			}
		default:
			if err := schedules.CheckOn(s.On); err != nil {
				errs = append(errs, fmt.Errorf("schedules[%d].on: %w", i, err))
			}
			if err := schedules.CheckAt(s.At); err != nil {
				errs = append(errs, fmt.Errorf("schedules[%d].at: %w", i, err))
			}
		}
		switch s.Period {
		case "last-quarter", "latest":
		default:
			if _, err := transform.ParsePeriod(s.Period); err != nil {
				errs = append(errs, fmt.Errorf("schedules[%d].period: %q is not last-quarter, a quarter (2024Q3), a month (2024-07) or a year (2024)", i, s.Period))
			}
		}
		if s.Job != "run" {
			errs = append(errs, fmt.Errorf("schedules[%d].job: %q is not a job (run)", i, s.Job))
		}
	}
	errs = append(errs, c.Serve.validate()...)
	errs = append(errs, c.Engine.validate()...)
	return errors.Join(errs...)
}

// Path resolves p against the config folder.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// TopicSeparators maps each source that writes topic levels to its separator.
func (c *Config) TopicSeparators() map[string]string {
	out := map[string]string{}
	for _, s := range c.Sources {
		if s.TopicSeparator != "" {
			out[s.Name] = s.TopicSeparator
		}
	}
	return out
}

// LabelOverrides lists the labels for every source (no Source) and every source's own,
// sorted, for the transform.
func (c *Config) LabelOverrides() []transform.LabelOverride {
	var out []transform.LabelOverride
	for field, labels := range c.Labels {
		for label, value := range labels {
			out = append(out, transform.LabelOverride{Field: field, Label: label, Value: value})
		}
	}
	for _, s := range c.Sources {
		for field, labels := range s.Labels {
			for label, value := range labels {
				out = append(out, transform.LabelOverride{Source: s.Name, Field: field, Label: label, Value: value})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Source+"\x00"+a.Field+"\x00"+a.Label < b.Source+"\x00"+b.Field+"\x00"+b.Label
	})
	return out
}

// outputOnly are the top-level keys that change where and how outputs are served, never
// a figure: editing them (adding a user, moving a schedule) leaves FiguresHash as it was.
var outputOnly = map[string]bool{"serve": true, "schedules": true, "out": true,
	"store": true, "memory_limit": true, "temp_dir": true, "report": true, "deliver": true}

// outputOnlyRules are the rules that say when to warn and how to judge a supervision
// notice, never how a figure is counted: FiguresHash leaves them out as well.
var outputOnlyRules = map[string]bool{"warn_days": true, "notice_days": true}

// FiguresHash is the SHA-256 of the config text that figures depend on: the file with
// its serve, schedules, report, deliver, out, store, memory_limit and temp_dir removed,
// and the rules warn_days and notice_days (where the store
// lives and what it may use do not change a figure). Figures carry it, and outputs refuse
// figures made under another one; so a new dashboard user must not make the store's
// figures look stale.
func FiguresHash(text []byte) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return "", fmt.Errorf("hashing config: %w", err)
	}
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0]
		kept := m.Content[:0:0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if outputOnly[m.Content[i].Value] {
				continue
			}
			if v := m.Content[i+1]; m.Content[i].Value == "rules" && v.Kind == yaml.MappingNode {
				rules := v.Content[:0:0]
				for j := 0; j+1 < len(v.Content); j += 2 {
					if !outputOnlyRules[v.Content[j].Value] {
						rules = append(rules, v.Content[j], v.Content[j+1])
					}
				}
				v.Content = rules
			}
			kept = append(kept, m.Content[i], m.Content[i+1])
		}
		m.Content = kept
	}
	b, err := yaml.Marshal(&doc)
	if err != nil {
		return "", fmt.Errorf("hashing config: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
