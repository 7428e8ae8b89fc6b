package reports

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/store"
	"github.com/minqing/minqing/transform"
	"github.com/tealeg/xlsx/v3"
)

// fixtureStore loads the fixture district (fixtures.Generate, six quarters to 2024Q4,
// whose last quarter has cases closed in January 2025) into a new in-memory store and
// transforms it under its own config, as `minqing run` does.
func fixtureStore(t *testing.T) *sql.DB {
	t.Helper()
	dir := t.TempDir()
	if _, err := fixtures.Generate(dir, fixtures.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, "minqing.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keyer, _ := privacy.NewKeyer([]byte(strings.Repeat("k", 32)))
	res, err := ingest.Run(ctx, db, ingest.Options{Sources: cfg.Sources, BaseDir: cfg.Dir, Keyer: keyer})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("loading %s: %v", r.Path, r.Err)
		}
	}
	if _, err := transform.Run(ctx, db, transform.Options{
		UnitsFile: cfg.Path(cfg.Units), CatalogueFile: cfg.Path(cfg.Catalogue), Rules: cfg.Rules,
		UnitsHeaders: cfg.UnitsHeaders, CatalogueHeaders: cfg.CatalogueHeaders,
		LabelOverrides: cfg.LabelOverrides(), TopicSeparators: cfg.TopicSeparators(),
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

// fixtureInput is the input `minqing report` gives Write for a scope (the district's
// code or a township's) of the fixture district, as pipeline.go builds it, less what
// these tests do not look at.
func fixtureInput(t *testing.T, r *transform.Reader, per transform.Period, scopeCode string) Input {
	t.Helper()
	ctx := context.Background()
	figs, err := r.Figures(ctx, per)
	if err != nil {
		t.Fatal(err)
	}
	var district, scope transform.Unit
	var units []transform.UnitFigures
	for _, f := range figs {
		if f.Unit.Level == transform.LevelDistrict {
			district = f.Unit
		}
		if f.Unit.Code == scopeCode {
			scope = f.Unit
		}
	}
	for _, f := range figs {
		if scope.Code == district.Code || f.Unit.Code == scope.Code || f.Unit.Parent == scope.Code {
			units = append(units, f)
		}
	}
	cases, err := r.ProblemCases(ctx, per, scope.Code, false)
	if err != nil {
		t.Fatal(err)
	}
	accts, err := r.Accounting(ctx)
	if scope.Code != district.Code {
		accts, err = r.AccountingOf(ctx, scope.Code)
	}
	if err != nil {
		t.Fatal(err)
	}
	m := Manifest{Version: "test", ConfigHash: "test", Cutoff: per.Cutoff}
	for _, a := range accts {
		m.Files = append(m.Files, ManifestFile{Source: a.Source, Path: a.File, SHA256: a.SHA256, Rows: a.Read, Snapshot: a.Snapshot})
	}
	return Input{District: district, Scope: scope, Period: per, Defs: transform.FigureDefs(), Units: units,
		Cases: cases, Accounting: accts, Manifest: m}
}

// column is the 1-based column of header title in row headerRow of sheet, 0 if none.
func column(t *testing.T, wb *xlsx.File, sheet string, headerRow int, title string) int {
	t.Helper()
	for c := 1; c <= wb.Sheet[sheet].MaxCol; c++ {
		if strings.ReplaceAll(cell(t, wb, sheet, cellName(c, headerRow)).Value, "\n", "") == title {
			return c
		}
	}
	t.Fatalf("%s has no column %s in row %d", sheet, title, headerRow)
	return 0
}

// TestFixtureOverdueSheet writes the fixture district's 2024Q4 workbook, and its
// 白沙乡's, from a real store. Filtering 超期及逾期办结 on 情形 gives back both headline
// figures (overdue_open, and the cases closed late: on_time_rate's denominator less its
// numerator); every column states the case as at the cutoff, so no case open then shows
// 已办结 or a closure date there, though the quarter's open cases were closed in January;
// no listed case is 0 working days late; and no case is named by its key (fp:…). A
// township's 数据来源 and 清单 list only the files that hold its rows; the district's list
// every file.
func TestFixtureOverdueSheet(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the fixture district")
	}
	ctx := context.Background()
	db := fixtureStore(t)
	r := transform.NewReader(db)
	per, err := r.Period(ctx, "2024Q4")
	if err != nil {
		t.Fatal(err)
	}
	units, err := r.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var districtCode, baisha string
	names := map[string]string{} // township names by code
	for _, u := range units {
		switch {
		case u.Level == transform.LevelDistrict:
			districtCode = u.Code
		case u.Level == transform.LevelTownship:
			names[u.Code] = u.Name
			if u.Name == "白沙乡" {
				baisha = u.Code
			}
		}
	}

	for _, scope := range []string{districtCode, baisha} {
		t.Run(scope, func(t *testing.T) {
			in := fixtureInput(t, r, per, scope)
			path := filepath.Join(t.TempDir(), "r.xlsx")
			if err := Write(path, in); err != nil {
				t.Fatal(err)
			}
			wb := openBook(t, path)

			// The headline figures of the scope.
			var overdueOpen int
			for _, u := range in.Units {
				if u.Unit.Code == scope {
					overdueOpen = int(*u.Values["overdue_open"])
				}
			}
			e, err := r.Explain(ctx, per, scope, "on_time_rate")
			if err != nil {
				t.Fatal(err)
			}
			closedLate := int(*e.Denominator - *e.Numerator)
			if overdueOpen == 0 || closedLate == 0 {
				t.Fatalf("overdue_open %d, closed late %d: the fixture should have both", overdueOpen, closedLate)
			}

			s, header := sheetCases, 2
			col := func(title string) int { return column(t, wb, s, header, title) }
			situation, status, closed, later, late, no := col(terms.Situation), col(terms.Status), col(terms.ClosedOn),
				col(terms.ClosedLater), col(terms.OverdueDays), col(terms.CaseNo)
			count := map[string]int{}
			closedSince, unnumbered := 0, 0
			for row := header + 1; row <= wb.Sheet[s].MaxRow; row++ {
				at := func(c int) string { return cell(t, wb, s, cellName(c, row)).Value }
				sit := at(situation)
				count[sit]++
				if sit == terms.OverdueOpen {
					if at(status) == "已办结" || at(closed) != dash {
						t.Errorf("row %d, open at the cutoff, shows %s %s", row, at(status), at(closed))
					}
					if at(later) != dash {
						closedSince++
					}
				}
				if d, err := strconv.Atoi(at(late)); err != nil || d < 1 {
					t.Errorf("row %d: %s %q", row, terms.OverdueDays, at(late))
				}
				if v := at(no); strings.HasPrefix(v, terms.NoCaseNo) {
					unnumbered++
					if !strings.Contains(v, "行") || len(strings.Split(v, "\n")) < 3 {
						t.Errorf("row %d: a case without a number is named %q, without its file and row", row, v)
					}
				}
			}
			if count[terms.OverdueOpen] != overdueOpen || count[terms.ClosedLate] != closedLate ||
				len(count) != 2 {
				t.Errorf("情形 counts %v, want %s %d and %s %d", count, terms.OverdueOpen, overdueOpen, terms.ClosedLate, closedLate)
			}
			t.Logf("%s: %d overdue open (%d closed since), %d closed late, %d without a number",
				scope, overdueOpen, closedSince, closedLate, unnumbered)
			if scope == districtCode && closedSince == 0 {
				t.Errorf("no case open at the cutoff was closed since: the test does not see what it checks")
			}
			for name, x := range parts(t, path) {
				if strings.Contains(x, ">fp:") {
					t.Errorf("%s names a case by its key (fp:…)", name)
				}
			}

			// 数据来源 lists the files of the scope: all for the district; for 白沙乡
			// those that name it and no other township's.
			all, err := r.Accounting(ctx)
			if err != nil {
				t.Fatal(err)
			}
			listed := map[string]bool{}
			for _, a := range in.Accounting {
				listed[a.File] = true
			}
			// Both sheets total the files they list.
			for _, x := range []struct{ sheet, want string }{
				{sheetSources, fmt.Sprintf("%d个文件", len(in.Accounting))},
				{sheetManifest, groupThousands(fmt.Sprint(len(in.Accounting))) + "个文件"},
			} {
				if !anyCell(wb, x.sheet, x.want) {
					t.Errorf("%s does not total %s", x.sheet, x.want)
				}
			}
			if scope == districtCode {
				if len(in.Accounting) != len(all) {
					t.Errorf("the district lists %d files of %d", len(in.Accounting), len(all))
				}
				return
			}
			if len(in.Accounting) == 0 || len(in.Accounting) >= len(all) {
				t.Errorf("白沙乡 lists %d files of %d", len(in.Accounting), len(all))
			}
			for _, a := range all {
				own := strings.Contains(a.File, "白沙乡")
				other := false
				for code, name := range names {
					if code != baisha && strings.Contains(a.File, name) {
						other = true
					}
				}
				switch {
				case own && !listed[a.File]:
					t.Errorf("白沙乡's workbook leaves out its own %s", a.File)
				case other && listed[a.File]:
					t.Errorf("白沙乡's workbook lists another township's %s", a.File)
				}
			}
			t.Logf("白沙乡 lists %d of the district's %d files", len(in.Accounting), len(all))
		})
	}
}

// anyCell says whether any cell of sheet holds text.
func anyCell(wb *xlsx.File, sheet, text string) bool {
	found := false
	wb.Sheet[sheet].ForEachRow(func(r *xlsx.Row) error {
		return r.ForEachCell(func(c *xlsx.Cell) error {
			found = found || c.Value == text
			return nil
		})
	})
	return found
}
