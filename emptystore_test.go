package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptyStore runs every command that reads the store against a store no load has
// run on: each must fail (exit non-zero), say plainly that nothing is loaded and what to
// run, and show no DuckDB error.
func TestEmptyStore(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "minqing.yaml")
	if err := os.WriteFile(filepath.Join(dir, "units.csv"), []byte("code,name,level,parent,aliases\n330199000000,和平区,district,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("units: units.csv\nsources:\n  - {name: a, kind: cases, level: village, paths: [\"exports/*.csv\"]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "nothing is loaded yet: the store " + filepath.Join(dir, "minqing.duckdb") + " has no figures; run `minqing run --config " + cfg + "` first"
	for _, args := range [][]string{
		{"sources"},
		{"stats"},
		{"stats", "--format", "arrow", "--period", "2024Q3"},
		{"report"},
		{"report", "--all-townships"},
		{"report", "--as-of", "2024-10-05"},
		{"dashboard"},
		{"audit", "--period", "2024Q3"},
		{"explain", "--figure", "on_time_rate"},
		{"explain", "--figure", "on_time_rate", "--as-of", "2024-10-05"},
		{"restate", "--period", "2024Q3", "--from", "2024-10-10", "--to", "2025-01-05"},
		{"restate", "--period", "2024Q3", "--from", "2024-10-10", "--to", "2025-01-05", "--unit", "和平区"},
		{"report", "--unit", "和平区"},
		{"audit", "--unit", "和平区"},
	} {
		name := strings.Join(args, " ")
		var out, errOut bytes.Buffer
		cmd := newRoot(&out, &errOut)
		cmd.SetArgs(append([]string{"--log-level", "warn"}, append(args, "--config", cfg)...))
		err := cmd.ExecuteContext(context.Background())
		if err == nil {
			t.Errorf("%s on an empty store: no error (exit 0), printed:\n%s", name, out.String())
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s on an empty store: %q, want it to say %q", name, err, want)
		}
		for _, s := range []string{err.Error(), out.String(), errOut.String()} {
			if strings.Contains(s, "Catalog Error") || strings.Contains(s, "does not exist") {
				t.Errorf("%s on an empty store shows a DuckDB error:\n%s", name, s)
			}
		}
		if out.Len() > 0 {
			t.Errorf("%s on an empty store printed results:\n%s", name, out.String())
		}
	}
}
