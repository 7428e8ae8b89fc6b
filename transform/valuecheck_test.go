package transform

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// TestFieldChecksMatchStaging holds FieldChecks to the staging SQL: every field a
// staging model tests with mq_bad_ts, mq_unknown, mq_bad_int or as required is listed
// with that check, and nothing else is.
func TestFieldChecksMatchStaging(t *testing.T) {
	cases, err := modelFS.ReadFile("sql/20_stg_cases.sql")
	if err != nil {
		t.Fatal(err)
	}
	act, err := modelFS.ReadFile("sql/25_stg_activities.sql")
	if err != nil {
		t.Fatal(err)
	}
	visits, services, ok := strings.Cut(string(act), "create or replace table stg_services")
	if !ok {
		t.Fatal("25_stg_activities.sql: no stg_services")
	}
	patterns := map[Check]*regexp.Regexp{
		CheckDate:       regexp.MustCompile(`mq_(?:bad_ts|unparsed)\((?:r\.)?(\w+)`),
		CheckVocabulary: regexp.MustCompile(`mq_unknown\((?:r\.)?(\w+),`),
		CheckInt:        regexp.MustCompile(`mq_bad_int\((?:r\.)?(\w+)`),
		CheckPresent:    regexp.MustCompile(`coalesce\(mq_key\((?:r\.)?(\w+)\), ''\) = ''`),
	}
	for _, tc := range []struct{ kind, sql string }{{"cases", string(cases)}, {"visits", visits}, {"services", services}} {
		t.Run(tc.kind, func(t *testing.T) {
			for check, re := range patterns {
				var inSQL, listed []string
				seen := map[string]bool{}
				for _, m := range re.FindAllStringSubmatch(tc.sql, -1) {
					if !seen[m[1]] {
						seen[m[1]] = true
						inSQL = append(inSQL, m[1])
					}
				}
				for _, c := range FieldChecks(tc.kind) {
					if c.Check == check {
						listed = append(listed, c.Field)
					}
				}
				sort.Strings(inSQL)
				sort.Strings(listed)
				if strings.Join(inSQL, ",") != strings.Join(listed, ",") {
					t.Errorf("%s checks: staging SQL has %v, FieldChecks %v", check, inSQL, listed)
				}
			}
			if !strings.Contains(tc.sql, "unit_code is null or unit_matches <> 1") {
				t.Errorf("staging no longer quarantines unmatched units as FieldChecks assumes")
			}
		})
	}
}

func TestProfilerBad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	units := write("units.csv", "code,name,level,parent,aliases\n330199000000,城关区,district,,\n330199001000,白沙乡,township,330199000000,\n330199001001,西街村,village,330199001000,\n330199002000,东湖镇,township,330199000000,\n330199002001,西街村,village,330199002000,\n")
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	p, err := NewProfiler(ctx, db, Options{UnitsFile: units, Rules: DefaultRules(),
		LabelOverrides: []LabelOverride{{Source: "s", Field: "satisfaction", Label: "5", Value: "满意"}}}, []string{"s", "other"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name             string
		kind, field      string
		check            Check
		source, exporter string
		values           []string
		want             []bool
	}{
		{"dates", "cases", "received_at", CheckDate, "s", "", []string{"2024-07-03 09:00", "2024年7月3日", "", "07/03/2024x", "1850-01-01"}, []bool{false, false, false, true, true}},
		{"labels of the vocabulary", "cases", "category", CheckVocabulary, "s", "", []string{"即办件", "承 诺 件", "", "急件"}, []bool{false, false, false, true}},
		{"a source's own labels", "cases", "satisfaction", CheckVocabulary, "s", "", []string{"5", "满意", "9"}, []bool{false, false, true}},
		{"labels of another source", "cases", "satisfaction", CheckVocabulary, "other", "", []string{"5"}, []bool{true}},
		{"numbers", "cases", "promised_days", CheckInt, "s", "", []string{"5", "５", "5.0", "", "12345678901234567890123", "五"}, []bool{false, false, false, false, true, true}},
		{"units", "cases", "unit", CheckUnit, "s", "", []string{"白沙乡", "白沙乡人民政府", "西街村", "北山村", ""}, []bool{false, false, true, true, false}},
		{"units in the exporter's subtree", "cases", "unit", CheckUnit, "s", "330199001000", []string{"西街村", "东湖镇"}, []bool{false, true}},
		{"required", "cases", "unit", CheckPresent, "s", "", []string{"白沙乡", " ", ""}, []bool{false, true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Bad(ctx, FieldCheck{Kind: tc.kind, Field: tc.field, Check: tc.check}, tc.source, tc.exporter, tc.values)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.want {
				if got[i] != tc.want[i] {
					t.Errorf("%q: bad = %v, want %v", tc.values[i], got[i], tc.want[i])
				}
			}
		})
	}
}
