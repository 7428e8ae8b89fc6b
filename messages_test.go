package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tealeg/xlsx/v3"

	"github.com/minqing/minqing/internal/terms"
)

// writeDistrict writes files (path → content) into a temporary directory and returns
// the path of its minqing.yaml.
func writeDistrict(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "minqing.yaml")
}

// minqingFails runs the command line, which must fail, and returns its error and what
// it printed on either stream.
func minqingFails(t *testing.T, args ...string) (error, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRoot(&out, &errOut)
	cmd.SetArgs(append([]string{"--log-level", "warn"}, args...))
	err := cmd.ExecuteContext(context.Background())
	if err == nil {
		t.Fatalf("minqing %s: no error, printed:\n%s", strings.Join(args, " "), out.String())
	}
	return err, out.String() + errOut.String()
}

// twoTownships is a register of two townships with a village each.
const twoTownships = "code,name,level,parent,aliases\n" +
	"330199000000,城关区,district,,\n" +
	"330199001000,白沙乡,township,330199000000,\n" +
	"330199001001,西街村,village,330199001000,\n" +
	"330199002000,东湖镇,township,330199000000,\n" +
	"330199002001,南岭村,village,330199002000,\n"

// TestAllRowsQuarantined: when every row read is quarantined, run and report say that
// no row loaded because all were quarantined, and point to `minqing quarantine` (which
// then lists them), rather than telling the user to place exports they have placed.
func TestAllRowsQuarantined(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline")
	}
	cfg := writeDistrict(t, map[string]string{
		"units.csv": twoTownships,
		"hotline/export.csv": "工单编号,承办单位,受理时间,办件类型\n" +
			"H-1,西街村,2024-13-45,即办件\n" + // BAD_DATE
			"H-2,北山村,2024-07-02 08:00,即办件\n" + // UNKNOWN_UNIT
			"H-3,南岭村,昨天,即办件\n", // BAD_DATE
		"minqing.yaml": "units: units.csv\nsources:\n  - {name: city-hotline, kind: cases, level: district, paths: [\"hotline/*.csv\"]}\n",
	})
	for _, args := range [][]string{{"run"}, {"report"}} {
		err, printed := minqingFails(t, append(args, "--config", cfg)...)
		msg := err.Error()
		for _, want := range []string{"no rows loaded", "all 3 data rows read were quarantined", "`minqing quarantine`"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: %q does not say %q", args[0], msg, want)
			}
		}
		if strings.Contains(msg+printed, "no data yet") || strings.Contains(msg+printed, "after placing exports") {
			t.Errorf("%s: tells the user to place exports, though all were read: %q", args[0], msg)
		}
	}
	// The command the message names lists every one of them.
	var got struct {
		Count int `json:"count"`
		Rows  []struct {
			Reason string `json:"reason"`
			Row    int    `json:"row"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(minqing(t, "quarantine", "--config", cfg, "--format", "json"), &got); err != nil {
		t.Fatal(err)
	}
	if got.Count != 3 || len(got.Rows) != 3 {
		t.Errorf("minqing quarantine: count %d, %d rows; want the 3 rows the message counted", got.Count, len(got.Rows))
	}
}

// TestReportNamesAndProblems: workbook files are named <name>_<period>_…xlsx, the
// district's name (and the township's) kept apart from the period; and each workbook's
// 问题数据 holds the quarantined rows of its scope: a township's, the rows naming one of
// its units, and rows naming no unit from files that hold its rows or that it exported.
func TestReportNamesAndProblems(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline")
	}
	cfg := writeDistrict(t, map[string]string{
		"units.csv": twoTownships,
		// rows 2..6 (row 1 is the header)
		"hotline/export.csv": "工单编号,承办单位,受理时间,办件类型\n" +
			"H-1,西街村,2024-07-01 08:00,即办件\n" + // loaded: 白沙乡
			"H-2,南岭村,2024-07-02 08:00,即办件\n" + // loaded: 东湖镇
			"H-3,西街村,2024-13-45,即办件\n" + // BAD_DATE, 白沙乡
			"H-4,南岭村,昨天,即办件\n" + // BAD_DATE, 东湖镇
			"H-5,北山村,2024-07-05 10:00,即办件\n", // UNKNOWN_UNIT: in a file holding both townships' rows
		// exported by 东湖镇, and holding none of its rows that matched
		"donghu/export.csv": "工单编号,承办单位,受理时间,办件类型\n" +
			"D-1,不存在村,2024-07-03 09:00,即办件\n", // UNKNOWN_UNIT
		"minqing.yaml": "units: units.csv\nsources:\n" +
			"  - {name: city-hotline, kind: cases, level: district, paths: [\"hotline/*.csv\"]}\n" +
			"  - {name: donghu-ledger, kind: cases, level: township, unit: \"330199002000\", paths: [\"donghu/*.csv\"]}\n",
	})
	minqing(t, "run", "--config", cfg)
	out := t.TempDir()
	report := func(args ...string) []string {
		return strings.Fields(string(minqing(t, append([]string{"report", "--config", cfg, "--period", "2024Q3", "--out", out}, args...)...)))
	}
	const tail = "_2024年第三季度_民情工作统计报表.xlsx"
	type row struct {
		source string
		row    string
	}
	for _, tc := range []struct {
		name     string
		args     []string
		file     string
		rows     []row
		unitNote bool // the note says how rows naming no unit were placed
	}{
		{"district", nil, "城关区" + tail,
			[]row{{"city-hotline", "4"}, {"city-hotline", "5"}, {"city-hotline", "6"}, {"donghu-ledger", "2"}}, false},
		{"白沙乡", []string{"--unit", "330199001000"}, "城关区白沙乡" + tail,
			[]row{{"city-hotline", "4"}, {"city-hotline", "6"}}, true},
		{"东湖镇", []string{"--unit", "330199002000"}, "城关区东湖镇" + tail,
			[]row{{"city-hotline", "5"}, {"city-hotline", "6"}, {"donghu-ledger", "2"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			paths := report(tc.args...)
			if len(paths) != 1 || filepath.Base(paths[0]) != tc.file {
				t.Fatalf("report printed %q, want one workbook named %s", paths, tc.file)
			}
			wb, err := xlsx.OpenFile(paths[0])
			if err != nil {
				t.Fatal(err)
			}
			sh, ok := wb.Sheet["问题数据"]
			if !ok {
				t.Fatalf("no sheet 问题数据 in %s", paths[0])
			}
			var note string
			var got []row
			header := 0
			for r := 0; r < sh.MaxRow; r++ {
				x, _ := sh.Row(r)
				a := x.GetCell(0).Value
				switch {
				case header == 0 && a == "来源":
					header = r
				case header == 0 && a != "":
					note = a
				case header > 0:
					got = append(got, row{a, x.GetCell(3).Value})
				}
			}
			if !slices.Equal(got, tc.rows) {
				t.Errorf("问题数据 lists %v, want %v", got, tc.rows)
			}
			if want := "共有" + string(rune('0'+len(tc.rows))) + "行"; !strings.Contains(note, want) {
				t.Errorf("note %q does not say %s", note, want)
			}
			if strings.Contains(note, "无法按单位归属") != tc.unitNote {
				t.Errorf("note %q: says how rows naming no unit were placed = %v, want %v", note, !tc.unitNote, tc.unitNote)
			}
		})
	}
	t.Run("all townships", func(t *testing.T) {
		var names []string
		for _, p := range report("--all-townships") {
			names = append(names, filepath.Base(p))
		}
		slices.Sort(names)
		if want := []string{"城关区东湖镇" + tail, "城关区白沙乡" + tail}; !slices.Equal(names, want) {
			t.Errorf("--all-townships wrote %q, want %q", names, want)
		}
	})
}

// goTypeInMessage matches what a Go type name looks like in a message shown to a user.
var goTypeInMessage = regexp.MustCompile(`\b(config|ingest|transform|fetch|time|reflect|yaml)\.[A-Z]\w*|\bin type\b|!!\w+|map\[|\[\]\w|\bstruct \{`)

// TestMessagesInUserTerms: what the command line says when it refuses names what was
// wrong in the user's words (the flag, the key, the choices), with no Go type name and no
// retired term; the column headers of audit, restate and explain are names of the terms
// table.
func TestMessagesInUserTerms(t *testing.T) {
	typo := writeDistrict(t, map[string]string{
		"units.csv":    twoTownships,
		"minqing.yaml": "units: units.csv\nsorces:\n  - {name: h, kind: cases, level: district, paths: [\"*.csv\"]}\nrules:\n  escalated_reply_days: three\n",
	})
	for _, tc := range []struct {
		args []string
		says []string
	}{
		{[]string{"explain", "--figure", "nonsense"}, []string{`--figure "nonsense"`, "on_time_rate", "按时办结率", "score", "综合得分"}},
		{[]string{"explain"}, []string{"--figure: give a figure by id or Chinese name", "close_rate", "办结率"}},
		{[]string{"restate", "--period", "2024Q3"}, []string{"--period, --from and --to are required"}},
		{[]string{"restate", "--period", "2024Q3", "--from", "2024-13-01", "--to", "2024-11-09"}, []string{"--from"}},
		{[]string{"--log-level", "loud", "explain", "--figure", "received"}, []string{`--log-level "loud": not debug, info, warn or error`}},
		{[]string{"report", "--unit", "白沙乡", "--all-townships"}, []string{"--unit and --all-townships: choose one"}},
		{[]string{"run", "--config", typo}, []string{`unknown key "sorces" at line 2: did you mean "sources"?`,
			`rules.escalated_reply_days at line 5: "three" is not a whole number`}},
		{[]string{"sources", "--format", "xml"}, []string{`--format "xml": table or json`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := newRoot(&out, &errOut)
			args := tc.args
			if args[0] != "--log-level" {
				args = append([]string{"--log-level", "warn"}, args...)
			}
			cmd.SetArgs(args)
			err := cmd.ExecuteContext(context.Background())
			if err == nil {
				t.Fatalf("no error; printed:\n%s", out.String())
			}
			msg := err.Error()
			for _, s := range tc.says {
				if !strings.Contains(msg, s) {
					t.Errorf("%q does not say %q", msg, s)
				}
			}
			if m := goTypeInMessage.FindString(msg); m != "" {
				t.Errorf("%q names a Go type (%s)", msg, m)
			}
			for old := range terms.Retired {
				if len([]rune(old)) > 2 && strings.Contains(msg, old) {
					t.Errorf("%q uses the retired %s", msg, old)
				}
			}
		})
	}
	known := map[string]bool{}
	for _, v := range []string{terms.CaseNo, terms.UnitCode, terms.Unit, terms.Category, terms.ReceivedAt, terms.DueOn,
		terms.ClosedOn, terms.OnTime, terms.Numerator, terms.Denominator, terms.Excluded, terms.Flag, terms.FlagCode,
		terms.Period, terms.Source, terms.Day, terms.Detail, terms.Figure, terms.Before, terms.After, terms.Change, "涉及" + terms.Figure} {
		known[v] = true
	}
	for name, header := range map[string]string{"audit": auditHeader, "restate cases": restateCaseHeader, "restate figures": restateFigureHeader, "explain": explainHeader} {
		for _, col := range strings.Split(header, "\t") {
			if !known[col] {
				t.Errorf("%s: column %q is not a name of the terms table", name, col)
			}
			if _, retired := terms.Retired[col]; retired {
				t.Errorf("%s: column %q is retired", name, col)
			}
		}
	}
}
