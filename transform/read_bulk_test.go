package transform_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/store"
	"github.com/minqing/minqing/transform"
)

// fixtureStore loads the fixture district (fixtures.Generate) into a new in-memory store
// and transforms it under its own config, as `minqing run` does.
func fixtureStore(t *testing.T) *sql.DB {
	t.Helper()
	db, opts, _ := fixtureLoaded(t)
	if _, err := transform.Run(context.Background(), db, opts); err != nil {
		t.Fatal(err)
	}
	return db
}

// fixtureLoaded is a new in-memory store with the fixture district's exports loaded,
// the options its config transforms them with, and the district's truth.
func fixtureLoaded(t *testing.T) (*sql.DB, transform.Options, *fixtures.Truth) {
	t.Helper()
	dir := t.TempDir()
	truth, err := fixtures.Generate(dir, fixtures.Options{Seed: 1})
	if err != nil {
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
	return db, transform.Options{
		UnitsFile: cfg.Path(cfg.Units), CatalogueFile: cfg.Path(cfg.Catalogue), Rules: cfg.Rules,
		UnitsHeaders: cfg.UnitsHeaders, CatalogueHeaders: cfg.CatalogueHeaders,
		LabelOverrides: cfg.LabelOverrides(), TopicSeparators: cfg.TopicSeparators(),
	}, truth
}

// TestBulkReadsEqualPerUnit holds the set-based readers to the per-unit ones: on the
// fixture district, every unit's entry is exactly what the per-unit reader returns for it,
// values, order and all.
func TestBulkReadsEqualPerUnit(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the fixture district")
	}
	db := fixtureStore(t)
	ctx := context.Background()
	r := transform.NewReader(db)
	units, err := r.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) < 10 {
		t.Fatalf("the fixture register has %d units", len(units))
	}

	for _, kind := range []string{"month", "quarter", "year"} {
		all, err := r.SeriesAll(ctx, kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range units {
			want, err := r.Series(ctx, u.Code, kind)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatalf("%s has no %s series: the comparison would prove nothing", u.Code, kind)
			}
			if got := all[u.Code]; !reflect.DeepEqual(got, want) {
				t.Errorf("SeriesAll(%s)[%s] differs from Series:\n got %v\nwant %v", kind, u.Code, got, want)
			}
		}
		if len(all) != len(units) {
			t.Errorf("SeriesAll(%s) has %d units, the register %d", kind, len(all), len(units))
		}
	}

	// Every breakdown the store holds, for a year, a quarter and the first month (nothing a
	// period before: 环比 and 同比 missing, and units without cases, whose classes are
	// filled in).
	dims := []string{}
	rows, err := db.QueryContext(ctx, `select distinct dim from figure_values where dim <> 'all' order by dim`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		dims = append(dims, d)
	}
	rows.Close()
	for _, want := range []string{"category", "channel", "topic", "proxy"} {
		if !contains(dims, want) {
			t.Fatalf("the fixture store has no %s breakdown (it has %v)", want, dims)
		}
	}
	months, err := r.Periods(ctx, "month")
	if err != nil {
		t.Fatal(err)
	}
	quarters, err := r.Periods(ctx, "quarter")
	if err != nil {
		t.Fatal(err)
	}
	years, err := r.Periods(ctx, "year")
	if err != nil {
		t.Fatal(err)
	}
	if len(months) == 0 || len(quarters) < 5 || len(years) == 0 {
		t.Fatalf("the fixture store has %d months, %d quarters, %d years", len(months), len(quarters), len(years))
	}
	filled := 0
	for _, p := range []transform.Period{months[0], quarters[4], years[len(years)-1]} {
		for _, dim := range dims {
			all, err := r.BreakdownAll(ctx, p, dim)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range units {
				want, err := r.Breakdown(ctx, p, u.Code, dim)
				if err != nil {
					t.Fatal(err)
				}
				got, ok := all[u.Code]
				if !ok {
					t.Errorf("BreakdownAll(%s, %s) has no entry for %s", p.ID, dim, u.Code)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("BreakdownAll(%s, %s)[%s] differs from Breakdown:\n got %v\nwant %v", p.ID, dim, u.Code, got, want)
				}
				if dim == "category" && len(want) == 5 && *want[0].Values["received"] == 0 {
					filled++
				}
			}
		}
	}
	if filled == 0 {
		t.Error("no unit without 即办件 in the periods compared: the classes filled in were not compared")
	}

	// The first cases of every unit's list, with a limit that cuts most lists and one that
	// cuts none, for two quarters.
	cut := 0
	for _, p := range []transform.Period{quarters[4], quarters[len(quarters)-1]} {
		for _, limit := range []int{3, 100000} {
			all, err := r.ProblemCasesLimitAll(ctx, p, limit)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range units {
				want, total, err := r.ProblemCasesLimit(ctx, p, u.Code, limit)
				if err != nil {
					t.Fatal(err)
				}
				got := all[u.Code]
				if !reflect.DeepEqual(got.Cases, want) || got.Total != total {
					t.Errorf("ProblemCasesLimitAll(%s, %d)[%s]: %d of %d cases, ProblemCasesLimit %d of %d, or they differ",
						p.ID, limit, u.Code, len(got.Cases), got.Total, len(want), total)
				}
				if total > limit {
					cut++
				}
			}
		}
	}
	if cut == 0 {
		t.Error("no unit has more problem cases than the limit: the cut was not compared")
	}
	if _, err := r.ProblemCasesLimitAll(ctx, quarters[0], 0); err == nil {
		t.Error("ProblemCasesLimitAll with limit 0: no error")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
