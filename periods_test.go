package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// shownName is a figure's name as the workbook heads it: time figures say 工作日.
func shownName(d transform.FigureDef) string {
	if d.Kind == transform.KindDays {
		return d.Name + "（" + terms.WorkingDays + "）"
	}
	return d.Name
}

// TestStatsJSONPeriod: stats says whether its period is over in the data, and until when
// the data runs, in the outputs' words when it is not.
func TestStatsJSONPeriod(t *testing.T) {
	q3, err := transform.ParsePeriod("2024Q3")
	if err != nil {
		t.Fatal(err)
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, transform.Shanghai) }
	for _, tc := range []struct {
		name     string
		through  time.Time
		complete bool
		dataThru any
		note     any
	}{
		{"over", day(10, 8), true, "2024-10-08", nil},
		{"over on its last day", day(9, 30), true, "2024-09-30", nil},
		{"not over", day(8, 20), false, "2024-08-20", "数据截至2024年8月20日，本期尚未结束"},
		{"the data's end unknown", time.Time{}, false, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(statsJSON(q3, tc.through, nil))
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if got["complete"] != tc.complete || got["data_through"] != tc.dataThru {
				t.Errorf("complete %v, data_through %v; want %v, %v", got["complete"], got["data_through"], tc.complete, tc.dataThru)
			}
			if got["note"] != tc.note {
				t.Errorf("note %v, want %v", got["note"], tc.note)
			}
		})
	}
}

// TestHonestPeriods, on the fixture district (exports up to the late snapshot of 2024Q4):
// the default period is the newest quarter over in the data; a period not over says so
// in stats and in the workbook's title area and narrative; a period without cases is
// refused with the days the data covers.
func TestHonestPeriods(t *testing.T) {
	cfg, truth := district(t)
	_, through := snapshotDays(t, "2024Q4") // the newest export
	wantThrough := through.Format("2006-01-02")

	type periodJSON struct {
		Period      string  `json:"period"`
		Complete    bool    `json:"complete"`
		DataThrough string  `json:"data_through"`
		Note        *string `json:"note"`
	}
	statsOf := func(args ...string) periodJSON {
		var p periodJSON
		if err := json.Unmarshal(minqing(t, append([]string{"stats", "--config", cfg}, args...)...), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// 2025Q1 has cases (closures of cases received before) but is not over; 2024Q4 is
	// the newest quarter over, and the default.
	if _, ok := truth.Figures["2025Q1"]; !ok {
		t.Fatal("the fixtures have no 2025Q1: the test's premise is gone")
	}
	def := statsOf()
	if def.Period != "2024Q4" || !def.Complete || def.DataThrough != wantThrough || def.Note != nil {
		t.Errorf("default stats: %+v, want 2024Q4 complete through %s without a note", def, wantThrough)
	}
	note := transform.NotOverNote(through)
	open := statsOf("--period", "2025Q1")
	if open.Complete || open.DataThrough != wantThrough || open.Note == nil || *open.Note != note {
		t.Errorf("stats 2025Q1: %+v, want not complete, through %s, note %q", open, wantThrough, note)
	}

	// The Arrow stream says the same in its schema's metadata.
	for _, tc := range []struct {
		period, complete, note string
	}{{"2024Q4", "true", ""}, {"2025Q1", "false", note}} {
		rd, err := ipc.NewReader(bytes.NewReader(minqing(t, "stats", "--config", cfg, "--period", tc.period, "--format", "arrow")))
		if err != nil {
			t.Fatal(err)
		}
		md := rd.Schema().Metadata()
		get := func(k string) string {
			if i := md.FindKey(k); i >= 0 {
				return md.Values()[i]
			}
			return ""
		}
		if get("complete") != tc.complete || get("data_through") != wantThrough || get("note") != tc.note {
			t.Errorf("arrow %s: metadata %v, want complete %s, data_through %s, note %q", tc.period, md, tc.complete, wantThrough, tc.note)
		}
		rd.Release()
	}

	// The default report is the same quarter's.
	def1 := strings.TrimSpace(string(minqing(t, "report", "--config", cfg, "--out", t.TempDir())))
	if !strings.Contains(filepath.Base(def1), "2024年第四季度") {
		t.Errorf("default report %s, want 2024年第四季度", def1)
	}
	if strings.Contains(xlsxText(t, def1), note) {
		t.Error("the report of a quarter over says it is not over")
	}
	// A report of a period not over says so in the title area and the narrative.
	wb := strings.TrimSpace(string(minqing(t, "report", "--config", cfg, "--period", "2025Q1", "--out", t.TempDir())))
	text := xlsxText(t, wb)
	if !strings.Contains(text, note+"，以下数字只计至该日") {
		t.Errorf("the 2025Q1 workbook's title area does not say %q", note)
	}
	if !strings.Contains(text, note+"。本季度全区") {
		t.Errorf("the 2025Q1 workbook's narrative does not open with %q", note)
	}

	// Periods without cases are refused with the days the data covers.
	covers := regexp.MustCompile(`has no cases: the data covers (\d{4}-\d{2}-\d{2}) to ` + wantThrough + `$`)
	for _, args := range [][]string{
		{"stats", "--period", "2023Q1"},
		{"stats", "--period", "2022-05", "--format", "arrow"},
		{"report", "--period", "2026"},
		{"dashboard", "--period", "2023Q2"},
		{"explain", "--period", "2023Q1", "--figure", "received"},
	} {
		var out, errOut bytes.Buffer
		cmd := newRoot(&out, &errOut)
		cmd.SetArgs(append([]string{"--log-level", "warn", args[0], "--config", cfg}, args[1:]...))
		err := cmd.ExecuteContext(context.Background())
		if err == nil {
			t.Errorf("%v: no error, want a refusal", args)
			continue
		}
		m := covers.FindStringSubmatch(err.Error())
		if m == nil || !strings.HasPrefix(err.Error(), args[2]+" has no cases") {
			t.Errorf("%v: %v, want %q has no cases with the data's span", args, err, args[2])
			continue
		}
		// The span opens on the first day a case was received: in the first quarter.
		if first, _ := time.ParseInLocation("2006-01-02", m[1], transform.Shanghai); first.Before(time.Date(2023, 7, 1, 0, 0, 0, 0, transform.Shanghai)) || first.After(time.Date(2023, 9, 30, 0, 0, 0, 0, transform.Shanghai)) {
			t.Errorf("%v: the data covers from %s, want a day of 2023Q3", args, m[1])
		}
		if out.Len() > 0 {
			t.Errorf("%v printed %q besides refusing", args, out.String())
		}
	}
}
