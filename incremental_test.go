package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/transform"
)

// derivedDump is every table a figure or a case list is read from, each row as text in
// a fixed order: two stores with equal dumps publish the same bytes.
func derivedDump(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range []string{"figure_values", "figure_changes", "cases", "case_versions_all", "case_conflicts",
		"case_periods", "unit_figure_parts", "unit_figure_days", "periods", "quarantine", "audit_flags", "stg_cases",
		"unit_matches"} {
		rows, err := db.Query(`select cast(x as varchar) as r from ` + table + ` x order by r`)
		if err != nil {
			t.Fatalf("dumping %s: %v", table, err)
		}
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], r)
		}
		rows.Close()
	}
	return out
}

// sameDump reports each table whose rows differ, with the first rows that do.
func sameDump(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	for table, w := range want {
		g := got[table]
		if strings.Join(g, "\n") == strings.Join(w, "\n") {
			continue
		}
		gs, ws := map[string]bool{}, map[string]bool{}
		for _, r := range g {
			gs[r] = true
		}
		for _, r := range w {
			ws[r] = true
		}
		var extra, missing []string
		for _, r := range g {
			if !ws[r] && len(extra) < 3 {
				extra = append(extra, r)
			}
		}
		for _, r := range w {
			if !gs[r] && len(missing) < 3 {
				missing = append(missing, r)
			}
		}
		t.Errorf("%s: %s has %d rows, want %d\n  only incremental: %v\n  only full: %v", what, table, len(g), len(w), extra, missing)
	}
}

// TestIncrementalEqualsFull loads the fixture district's exports in three batches, each
// run doing only what its files changed, then forgets a file, and after every step finds
// every derived table equal, row for row, to a full build of the same rows; at the end
// the figures equal those of one load of every file into a new store.
func TestIncrementalEqualsFull(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped under -short")
	}
	ctx := context.Background()
	src := t.TempDir()
	if _, err := fixtures.Generate(src, fixtures.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(src, "minqing.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The exports, oldest name first; everything else (config, registers, key) is copied now.
	exports := map[string]bool{}
	for _, s := range cfg.Sources {
		for _, pat := range s.Paths {
			m, _ := filepath.Glob(filepath.Join(src, pat))
			for _, f := range m {
				rel, _ := filepath.Rel(src, f)
				exports[rel] = true
			}
		}
	}
	var files []string
	for f := range exports {
		files = append(files, f)
	}
	sort.Strings(files)
	dst := t.TempDir()
	copyFile := func(rel string) {
		b, err := os.ReadFile(filepath.Join(src, rel))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err = filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if !exports[rel] && !strings.HasPrefix(rel, "store") && !strings.HasPrefix(rel, "out") {
			copyFile(rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	p, err := openPipeline(ctx, filepath.Join(dst, "minqing.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	full := func(what string) {
		t.Helper()
		inc := derivedDump(t, p.db)
		o := p.transformOptions()
		o.Full = true
		if _, err := transform.Run(ctx, p.db, o); err != nil {
			t.Fatalf("%s: full build: %v", what, err)
		}
		sameDump(t, what, inc, derivedDump(t, p.db))
	}
	// 80% of the files, then two batches of 10% (a batch holding most of the rows is
	// built in full: faster than as a change)
	bounds := []int{0, len(files) * 8 / 10, len(files) * 9 / 10, len(files)}
	for b := 0; b+1 < len(bounds); b++ {
		for _, f := range files[bounds[b]:bounds[b+1]] {
			copyFile(f)
		}
		if _, err := p.ingestAndTransform(ctx); err != nil {
			t.Fatalf("batch %d: %v", b+1, err)
		}
		if want := map[bool]string{true: "full", false: "incremental"}[b == 0]; p.transformed.Mode != want {
			t.Errorf("batch %d: transform was %s, want %s", b+1, p.transformed.Mode, want)
		}
		full("batch " + string(rune('1'+b)))
	}
	// Nothing new: no work.
	if _, err := p.ingestAndTransform(ctx); err != nil {
		t.Fatal(err)
	}
	if p.transformed.Mode != "unchanged" {
		t.Errorf("a run with nothing new: transform was %s, want unchanged", p.transformed.Mode)
	}

	// The figures equal one load of every file into a new store.
	one, err := openPipeline(ctx, filepath.Join(src, "minqing.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	if _, err := one.ingestAndTransform(ctx); err != nil {
		t.Fatal(err)
	}
	got, want := derivedDump(t, p.db), derivedDump(t, one.db)
	sameDump(t, "three batches against one load", map[string][]string{"figure_values": got["figure_values"], "figure_changes": got["figure_changes"]},
		map[string][]string{"figure_values": want["figure_values"], "figure_changes": want["figure_changes"]})

	// A file taken back: its rows leave incrementally.
	if _, err := ingest.Forget(ctx, p.db, ingest.ForgetOptions{Arg: files[len(files)/2], BaseDir: dst, Who: ingest.Who{User: "test"}, Reason: "test", Now: time.Now(), Also: markFiguresStale}); err != nil {
		t.Fatal(err)
	}
	if _, err := transform.Run(ctx, p.db, p.transformOptions()); err != nil {
		t.Fatal(err)
	}
	full("after a forget")
}
