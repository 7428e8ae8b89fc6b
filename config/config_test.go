package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestGoodConfigs(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yml")
	if len(files) == 0 {
		t.Fatal("no good configs")
	}
	for _, f := range files {
		c, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if c.Store == "" || c.Out == "" || c.HashKeyFile == "" || c.Rules.EscalatedReplyDays != 3 {
			t.Errorf("%s: defaults not applied: %+v", f, c)
		}
	}
}

func TestFullConfig(t *testing.T) {
	c, err := Load("testdata/full.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Path(c.Store); !strings.HasSuffix(got, "config/testdata/data/minqing.duckdb") || !filepath.IsAbs(got) {
		t.Errorf("store path %q not resolved against the config folder", got)
	}
	if c.Sources[0].Encoding != "auto" || c.Sources[1].Encoding != "gb18030" {
		t.Errorf("encodings %q %q", c.Sources[0].Encoding, c.Sources[1].Encoding)
	}
	if c.Sources[1].Headers["办件编号"] != "case_no" {
		t.Errorf("header override lost: %v", c.Sources[1].Headers)
	}
	if h := c.Sources[2].HTTP; h == nil || h.Timeout.Seconds() != 60 || h.TokenEnv != "DISTRICT_TOKEN" || h.MaxBytes != 209715200 {
		t.Errorf("http source: %+v", h)
	}
	if c.Schedules[0].Job != "run" || c.Schedules[0].Period != "last-quarter" {
		t.Errorf("schedule defaults: %+v", c.Schedules[0])
	}
}

func TestBadConfigs(t *testing.T) {
	for file, want := range map[string]string{
		"unknown-key.bad.yml":      "field sourcs not found",
		"no-units.bad.yml":         "units: the units register file is required",
		"bad-kind.bad.yml":         `sources[0].kind: "complaints"`,
		"dup-source.bad.yml":       `sources[1].name: "a" used twice`,
		"bad-level.bad.yml":        `sources[0].level: "county"`,
		"no-paths.bad.yml":         "sources[0].paths: at least one glob pattern is required",
		"bad-encoding.bad.yml":     `sources[0].encoding: "big5"`,
		"bad-label.bad.yml":        `satisfied_labels: "还行"`,
		"bad-weight.bad.yml":       "partial_resolution_weight: 2 is not between 0 and 1",
		"bad-score.bad.yml":        `score_weights: "speed"`,
		"no-cron.bad.yml":          "schedules[0].cron: required",
		"bad-source-label.bad.yml": `sources[0].labels.satisfaction.5: "很好" is not a satisfaction value`,
	} {
		_, err := Load(filepath.Join("testdata", file))
		if err == nil {
			t.Errorf("%s: accepted", file)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q does not contain %q", file, err, want)
		}
		if !strings.Contains(err.Error(), file) {
			t.Errorf("%s: error %q does not name the file", file, err)
		}
	}
	all, _ := filepath.Glob("testdata/*.bad.yml")
	if len(all) != 12 {
		t.Errorf("%d bad configs on disk, the table pairs 12: pair each with its error", len(all))
	}
}
