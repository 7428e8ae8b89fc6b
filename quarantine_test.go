package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

// TestQuarantineCommand loads the check district (whose hotline export quarantines
// seven of eight rows) and lists the quarantined rows in every format.
func TestQuarantineCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline")
	}
	cfg := checkDistrict(t, true)
	minqing(t, "run", "--config", cfg)
	want := map[int][3]string{ // row → reason, field, value
		3: {"UNKNOWN_UNIT", "unit", "北山村"},
		4: {"BAD_DATE", "received_at", "2024-13-45"},
		5: {"BAD_DATE", "received_at", "昨天"},
		6: {"UNKNOWN_LABEL", "category", "急件"},
		7: {"BAD_NUMBER", "promised_days", "三天"},
		8: {"MISSING_FIELD", "unit", ""},
		9: {"UNKNOWN_LABEL", "channel", "飞鸽传书"},
	}
	t.Run("json", func(t *testing.T) {
		var got struct {
			Count int `json:"count"`
			Rows  []struct {
				Source, File, Reason, Field, Value, Detail string
				Row                                        int
			} `json:"rows"`
		}
		if err := json.Unmarshal(minqing(t, "quarantine", "--config", cfg, "--format", "json"), &got); err != nil {
			t.Fatal(err)
		}
		if got.Count != len(want) || len(got.Rows) != len(want) {
			t.Fatalf("count %d, %d rows, want %d", got.Count, len(got.Rows), len(want))
		}
		for _, r := range got.Rows {
			w, ok := want[r.Row]
			if !ok || r.Source != "city-hotline" || r.File != "hotline/export.csv" || [3]string{r.Reason, r.Field, r.Value} != w {
				t.Errorf("row %d: %s %s %s %s=%q, want %v", r.Row, r.Source, r.File, r.Reason, r.Field, r.Value, w)
			}
		}
	})
	t.Run("csv filtered", func(t *testing.T) {
		recs, err := csv.NewReader(strings.NewReader(string(minqing(t, "quarantine", "--config", cfg, "--format", "csv", "--reason", "BAD_DATE")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 || recs[0][7] != "value" || recs[1][7] != "2024-13-45" || recs[2][7] != "昨天" {
			t.Errorf("csv: %q", recs)
		}
	})
	t.Run("table", func(t *testing.T) {
		out := string(minqing(t, "quarantine", "--config", cfg, "--source", "city-hotline"))
		for _, s := range []string{"REASON", "飞鸽传书", "UNKNOWN_LABEL", "7 quarantined rows"} {
			if !strings.Contains(out, s) {
				t.Errorf("table lacks %q:\n%s", s, out)
			}
		}
		if out := string(minqing(t, "quarantine", "--config", cfg, "--source", "baisha-ledger")); !strings.Contains(out, "0 quarantined rows") {
			t.Errorf("another source's rows listed:\n%s", out)
		}
	})
}

func TestSourcesJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline")
	}
	cfg := checkDistrict(t, true)
	minqing(t, "run", "--config", cfg)
	var got []struct {
		Source        string         `json:"source"`
		File          string         `json:"file"`
		Read          int            `json:"read"`
		Loaded        int            `json:"loaded"`
		Quarantined   int            `json:"quarantined"`
		Skipped       int            `json:"skipped"`
		QuarantinedBy map[string]int `json:"quarantined_by"`
	}
	if err := json.Unmarshal(minqing(t, "sources", "--config", cfg, "--format", "json"), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d files, want 2: %+v", len(got), got)
	}
	for _, a := range got {
		if a.Read != a.Loaded+a.Quarantined+a.Skipped {
			t.Errorf("%s: read %d ≠ %d + %d + %d", a.File, a.Read, a.Loaded, a.Quarantined, a.Skipped)
		}
		if a.Source == "city-hotline" && (a.Quarantined != 7 || a.QuarantinedBy["BAD_DATE"] != 2) {
			t.Errorf("hotline: %+v", a)
		}
	}
}
