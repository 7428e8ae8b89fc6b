package ingest_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/store"
	"github.com/minqing/minqing/transform"
)

// TestRowProblemsReachQuarantine loads exports with a quote never closed, a cell over
// the cell limit and a legit multi-line cell, through both CSV loaders, transforms
// them, and finds: every physical line the quote swallowed quarantined BAD_QUOTE with
// the line where it opened, the long cell CELL_TOO_LONG naming its column, the
// multi-line case loaded, and read = loaded + quarantined + skipped for every file.
func TestRowProblemsReachQuarantine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("units.csv", "code,name,level,parent,aliases\n330199000000,和平区,district,,\n"+
		"330199001000,青石镇,township,330199000000,\n330199001001,西街村,village,330199001000,西街\n")
	write("catalogue.csv", "item,days\n居住证明,3\n")
	var cases strings.Builder
	cases.WriteString("诉求编号,承办单位,受理时间,办理类别,诉求内容\n") // line 1
	for i := 1; i <= 10; i++ {                      // lines 2-11
		fmt.Fprintf(&cases, "A%d,西街村,2024-07-01,即办件,路灯\n", i)
	}
	cases.WriteString("M1,西街村,2024-07-01,即办件,\"路灯,不亮\n第二行\n第三行\"\n")                  // lines 12-14
	cases.WriteString("L1,西街村,2024-07-01,即办件," + strings.Repeat("长", 400_000) + "\n") // line 15
	cases.WriteString("Q1,西街村,2024-07-01,即办件,\"漏了引号,路灯\n")                            // line 16
	for i := 1; i <= 39; i++ {                                                        // lines 17-55
		fmt.Fprintf(&cases, "B%d,西街村,2024-07-01,即办件,路灯\n", i)
	}
	write("cases_20241231.csv", cases.String())
	var visits strings.Builder
	visits.WriteString("走访日期,走访单位,走访人\n")
	visits.WriteString("2024-07-01,西街村,\"王五\n") // line 2
	for i := 0; i < 4; i++ {                    // lines 3-6
		visits.WriteString("2024-07-02,西街村,赵六\n")
	}
	write("visits_20241231.csv", visits.String())

	const bad = 40 // lines 16-55
	quarantined := map[bool]string{}
	for _, piped := range []bool{true, false} {
		*ingest.PipeCSV = piped
		t.Cleanup(func() { *ingest.PipeCSV = true })
		ctx := context.Background()
		db, err := store.Open(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		keyer, _ := privacy.NewKeyer([]byte(strings.Repeat("k", 32)))
		res, err := ingest.Run(ctx, db, ingest.Options{
			Sources: []ingest.SourceConfig{
				{Name: "cases", Kind: ingest.KindCases, Level: ingest.LevelDistrict, Paths: []string{"cases_*.csv"}, Encoding: "auto"},
				{Name: "visits", Kind: ingest.KindVisits, Level: ingest.LevelVillage, Paths: []string{"visits_*.csv"}, Encoding: "auto"},
			},
			BaseDir: dir, Keyer: keyer,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
		if _, err := transform.Run(ctx, db, transform.Options{UnitsFile: filepath.Join(dir, "units.csv"), CatalogueFile: filepath.Join(dir, "catalogue.csv"), Rules: transform.DefaultRules()}); err != nil {
			t.Fatal(err)
		}
		count := func(q string, args ...any) int {
			var n int
			if err := db.QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		if n := count(`select count(*) from source_accounting where rows_read <> loaded + quarantined + skipped`); n != 0 {
			t.Errorf("piped %v: %d files do not balance", piped, n)
		}
		// Cases: 54 rows read from 55 lines (M1 spans three), 40 of them BAD_QUOTE.
		var read, loaded, quar, skipped int
		if err := db.QueryRow(`select rows_read, loaded, quarantined, skipped from source_accounting where kind = 'cases'`).Scan(&read, &loaded, &quar, &skipped); err != nil {
			t.Fatal(err)
		}
		if read != 53 || loaded != 11 || quar != bad+1 || skipped != 1 {
			t.Errorf("piped %v: cases read %d, loaded %d, quarantined %d, skipped %d; want 53, 11, %d, 1", piped, read, loaded, quar, skipped, bad+1)
		}
		if n := count(`select count(*) from quarantine where kind = 'cases' and reason = 'BAD_QUOTE'
			and detail = 'quote opened at line 16 not closed within 20 lines'`); n != bad {
			t.Errorf("piped %v: %d BAD_QUOTE case rows, want %d", piped, n, bad)
		}
		if n := count(`select count(*) from quarantine where reason = 'BAD_QUOTE' and case_no in ('Q1', 'B39')`); n != 2 {
			t.Errorf("piped %v: the first and last swallowed rows are not named by their numbers (%d)", piped, n)
		}
		if n := count(`select count(*) from quarantine where case_no = 'L1' and reason = 'CELL_TOO_LONG'
			and detail = 'cell 诉求内容 is 1200000 bytes, over the 1 MiB limit'`); n != 1 {
			t.Errorf("piped %v: the long cell is not quarantined CELL_TOO_LONG", piped)
		}
		if n := count(`select count(*) from stg_cases where case_no = 'M1' and reason is null and description like '%第三行'`); n != 1 {
			t.Errorf("piped %v: the multi-line description did not load", piped)
		}
		if n := count(`select count(*) from quarantine where kind = 'visits' and reason = 'BAD_QUOTE'
			and detail = 'quote opened at line 2 never closed'`); n != 5 {
			t.Errorf("piped %v: %d BAD_QUOTE visit rows, want 5", piped, n)
		}
		quarantined[piped] = dump(t, db, `select kind, row_no, reason, detail, case_no from quarantine order by all`)
	}
	if quarantined[true] != quarantined[false] {
		t.Errorf("the two loaders quarantine differently:\n%s\n%s", quarantined[true], quarantined[false])
	}
}

func dump(t *testing.T, db *sql.DB, q string) string {
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var kind, reason string
		var detail, caseNo sql.NullString
		var row int
		if err := rows.Scan(&kind, &row, &reason, &detail, &caseNo); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d %s %s %s\n", kind, row, reason, detail.String, caseNo.String)
	}
	return b.String()
}
