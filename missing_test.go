package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/internal/terms"
)

// TestSourcesMissing: `minqing sources --missing` on the fixture district names the
// village whose exports stop (the truth's EXPORTS_STOPPED) for the last quarter of
// exports, and no unit for the quarter before; --format json says the same; --period
// alone is refused.
func TestSourcesMissing(t *testing.T) {
	cfg, truth := district(t)
	var stopped, township string
	for _, f := range truth.Flags {
		if f.Code == fixtures.FlagExportsStopped {
			stopped = f.Unit
		}
	}
	for _, u := range truth.Units {
		if u.Code == stopped {
			for _, p := range truth.Units {
				if p.Code == u.Parent {
					township = p.Name
				}
			}
		}
	}
	if stopped == "" || township == "" {
		t.Fatalf("the fixture stops no village's exports (%q, %q)", stopped, township)
	}

	out := string(minqing(t, "sources", "--config", cfg, "--missing", "--period", "2024Q4"))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || lines[0] != "2024年第四季度"+terms.NotSubmitted+"：共1个单位" || lines[2] != missingHeader {
		t.Fatalf("sources --missing --period 2024Q4:\n%s", out)
	}
	f := strings.Split(lines[3], "\t")
	if len(f) != 5 || f[0] != stopped || f[2] != township || f[3] == "—" || !strings.Contains(f[4], "行）") {
		t.Errorf("row %q: want %s of %s, its last export and the sources holding its rows", lines[3], stopped, township)
	}

	out = string(minqing(t, "sources", "--config", cfg, "--missing", "--period", "2024Q3"))
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.HasSuffix(lines[0], "：共0个单位") {
		t.Errorf("sources --missing --period 2024Q3, want no unit:\n%s", out)
	}

	out = string(minqing(t, "sources", "--config", cfg, "--missing", "--period", "2025Q1"))
	if lines := strings.Split(out, "\n"); len(lines) < 2 || !strings.Contains(lines[1], "本期尚未结束：单位可能尚未报送") {
		t.Errorf("sources --missing of a quarter not over in the data does not say so:\n%.600s", out)
	}

	var j struct {
		Period string `json:"period"`
		Rule   string `json:"rule"`
		Units  []struct {
			UnitCode string `json:"unit_code"`
			Township string `json:"township"`
			LastOwn  string `json:"last_own"`
			Sources  []struct {
				Source string `json:"source"`
				Rows   int    `json:"rows"`
			} `json:"sources"`
		} `json:"units"`
	}
	raw := minqing(t, "sources", "--config", cfg, "--missing", "--period", "2024Q4", "--format", "json")
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatalf("%v:\n%s", err, raw)
	}
	if j.Period != "2024Q4" || j.Rule == "" || len(j.Units) != 1 || j.Units[0].UnitCode != stopped || j.Units[0].Township != township ||
		len(j.Units[0].Sources) == 0 || j.Units[0].Sources[0].Rows == 0 {
		t.Errorf("sources --missing --format json:\n%s", raw)
	}

	var errOut bytes.Buffer
	cmd := newRoot(&bytes.Buffer{}, &errOut)
	cmd.SetArgs([]string{"sources", "--config", cfg, "--period", "2024Q4"})
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "--missing") {
		t.Errorf("sources --period without --missing: %v", err)
	}
}
