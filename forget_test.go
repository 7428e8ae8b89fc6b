package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/store"
)

// minqingErr runs the command line and returns what it printed and its error.
func minqingErr(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := newRoot(&out, &errOut)
	cmd.SetArgs(append([]string{"--log-level", "warn"}, args...))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// figureDump is every figure of the store, in one order, as DuckDB writes them to CSV.
func figureDump(t *testing.T, cfg string) []byte {
	t.Helper()
	p, err := openPipeline(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	path := filepath.Join(t.TempDir(), "figures.csv")
	// path is a temp file of this test: no user text reaches the SQL.
	if _, err := p.db.Exec(`copy (select * from figure_values order by all) to '` + path + `' (header, format csv)`); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storeCount runs one query returning one integer on the config's store.
func storeCount(t *testing.T, cfg, query string, args ...any) int {
	t.Helper()
	p, err := openPipeline(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var n int
	if err := p.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestForget takes a loaded file back: its rows leave the raw tables and the
// accounting, the figures equal those of a store that never saw the file, later runs do
// not load it again, the workbook's 清单 records who took it back, when and why, and
// `--undo` + `run` gives back the original figures, byte for byte.
func TestForget(t *testing.T) {
	cfg, truth := district(t)
	dir := filepath.Dir(cfg)
	original := figureDump(t, cfg)

	// The case export holding the most case numbers that no other file holds: taking it
	// back moves the figures (a district snapshot's cases are in the next one too).
	var rel, sha string
	var dataRows int
	func() {
		p, err := openPipeline(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.db.QueryRow(`select f.path, f.file_id, f.rows_data from raw_cases r join ingest_files f using (file_id)
			where not exists (select 1 from raw_cases o where o.case_no = r.case_no and o.file_id <> r.file_id)
			group by all order by count(*) desc, f.path limit 1`).Scan(&rel, &sha, &dataRows); err != nil {
			t.Fatalf("choosing a file to forget: %v", err)
		}
	}()
	if _, ok := truth.Files[rel]; !ok {
		t.Fatalf("%s: loaded but not written by the generator", rel)
	}
	runsBefore := storeCount(t, cfg, `select count(*) from report_run_files where sha256 = ?`, sha)
	if runsBefore == 0 {
		t.Fatalf("the first run's report does not list %s", rel)
	}

	// Arguments that name no file, or not one, are refused and change nothing.
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown path", []string{"exports/nowhere.csv"}, `"exports/nowhere.csv": no such file`},
		{"unknown hash", []string{"0123456789abcdef"}, `"0123456789abcdef": no such file`},
		{"short prefix", []string{sha[:6]}, "no such file"},
		{"nothing to undo", []string{"--undo", sha}, "no such file among the forgotten files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := minqingErr(append([]string{"forget", "--config", cfg}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if got := figureDump(t, cfg); !bytes.Equal(got, original) {
		t.Fatal("a refused forget changed the figures")
	}

	// Forget it by its absolute path.
	out := string(minqing(t, "forget", "--config", cfg, filepath.Join(dir, filepath.FromSlash(rel)),
		"--reason", "重复导出，误报", "--by", "张审计"))
	who := osUser()
	for _, want := range []string{rel, sha, "rows removed", "received", "closed", "张审计", who} {
		if !strings.Contains(out, want) {
			t.Errorf("forget printed %q, want it to mention %q", out, want)
		}
	}
	if _, err := minqingErr("forget", "--config", cfg, sha[:12]); err == nil || !strings.Contains(err.Error(), "already forgotten") {
		t.Errorf("forgetting it again: err = %v, want 'already forgotten'", err)
	}

	gone := func(when string) {
		t.Helper()
		for _, table := range []string{"raw_cases", "raw_visits", "raw_services", "raw_case_personal", "ingest_files", "source_accounting", "quarantine"} {
			if n := storeCount(t, cfg, `select count(*) from `+table+` where file_id = ?`, sha); n != 0 {
				t.Errorf("%s: %s still holds %d rows of the forgotten file", when, table, n)
			}
		}
		if n := storeCount(t, cfg, `select count(*) from report_run_files where sha256 = ?`, sha); n < runsBefore {
			t.Errorf("%s: the records of past reports lost the file (%d rows, were %d)", when, n, runsBefore)
		}
	}
	gone("after forget")
	if n := storeCount(t, cfg, `select count(*) from ingest_forgotten where file_id = ? and path = ? and rows_removed = ?
		and forgotten_by = ? and forgotten_by_name = '张审计' and reason = '重复导出，误报' and undone_at is null`,
		sha, rel, dataRows, who); n != 1 {
		t.Errorf("the store holds %d records of the forget as made, want 1", n)
	}
	forgotten := figureDump(t, cfg)
	if bytes.Equal(forgotten, original) {
		t.Fatalf("forgetting %s left every figure as it was: the test would prove nothing", rel)
	}

	// A store that never saw the file: the same district, without it.
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	if _, err := fixtures.Generate(fresh, fixtures.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(c.Path(c.HashKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	freshCfg := filepath.Join(fresh, "minqing.yaml")
	c2, err := config.Load(freshCfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c2.Path(c2.HashKeyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(fresh, filepath.FromSlash(rel))); err != nil {
		t.Fatal(err)
	}
	minqing(t, "run", "--config", freshCfg)
	if want := figureDump(t, freshCfg); !bytes.Equal(forgotten, want) {
		t.Errorf("figures after forgetting %s differ from a store loaded without it", rel)
	}

	// The file is still in its folder: the next run leaves it out, and says why.
	minqing(t, "run", "--config", cfg)
	gone("after another run")
	if got := figureDump(t, cfg); !bytes.Equal(got, forgotten) {
		t.Errorf("another run changed the figures of the store without %s", rel)
	}
	srcs := string(minqing(t, "sources", "--config", cfg))
	if line := lineWith(srcs, rel); !strings.Contains(line, ingest.StatusForgotten) || !strings.Contains(line, "重复导出，误报") {
		t.Errorf("sources shows %q for the forgotten file, want it marked %s with the reason", line, ingest.StatusForgotten)
	}

	// The workbook's 清单 records the forget.
	wb := strings.TrimSpace(string(minqing(t, "report", "--config", cfg, "--period", "2024Q3")))
	text := xlsxText(t, wb)
	for _, want := range []string{"已撤回的文件", rel, sha, "重复导出，误报", "张审计", who} {
		if !strings.Contains(text, want) {
			t.Errorf("the workbook does not show %q", want)
		}
	}

	// --undo by a prefix of the SHA-256, and the next run loads the file again.
	out = string(minqing(t, "forget", "--config", cfg, "--undo", sha[:10]))
	if !strings.Contains(out, rel) {
		t.Errorf("undo printed %q, want it to name %s", out, rel)
	}
	minqing(t, "run", "--config", cfg)
	if got := figureDump(t, cfg); !bytes.Equal(got, original) {
		t.Errorf("figures after --undo and run differ from the original store's")
	}
	if n := storeCount(t, cfg, `select count(*) from ingest_files where file_id = ?`, sha); n != 1 {
		t.Errorf("after --undo and run the file is registered %d times, want 1", n)
	}
	if n := storeCount(t, cfg, `select count(*) from ingest_forgotten where file_id = ? and undone_at is not null and undone_by = ?`,
		sha, who); n != 1 {
		t.Errorf("the undo is recorded %d times, want 1", n)
	}
	if line := lineWith(string(minqing(t, "sources", "--config", cfg)), rel); strings.Contains(line, ingest.StatusForgotten) {
		t.Errorf("sources still shows the file forgotten after --undo: %q", line)
	}
}

func lineWith(text, sub string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// TestForgetResolve: a file is named by its path (relative or absolute), its SHA-256
// or a unique prefix of 8 hex digits or more; anything else is a clear error naming it.
func TestForgetResolve(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := ingest.EnsureSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	files := []struct{ sha, path string }{
		{"aaaaaaaa11111111" + strings.Repeat("0", 48), "exports/a.csv"},
		{"aaaaaaaa22222222" + strings.Repeat("0", 48), "exports/b.csv"},
		{"bbbbbbbb33333333" + strings.Repeat("0", 48), "exports/same.csv"},
		{"cccccccc44444444" + strings.Repeat("0", 48), "exports/same.csv"},
	}
	for _, f := range files {
		if _, err := db.Exec(`insert into ingest_files values (?, 'src', 'cases', 'district', null, ?, 1, 'utf-8', null,
			'2024-10-01 00:00:00', 0, 0, 0, 0, 0, 0, 0, 0, '[]', null, 'ymd')`, f.sha, f.path); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, arg string
		want      string // the forgotten file's SHA-256
		err       string
	}{
		{name: "relative path", arg: "exports/a.csv", want: files[0].sha},
		{name: "absolute path", arg: filepath.Join(base, "exports", "b.csv"), want: files[1].sha},
		{name: "full hash", arg: files[2].sha, want: files[2].sha},
		{name: "unique prefix, upper case", arg: "CCCCCCCC4", want: files[3].sha},
		{name: "ambiguous prefix", arg: "aaaaaaaa", err: `"aaaaaaaa" names several files`},
		{name: "ambiguous path", arg: "exports/same.csv", err: `"exports/same.csv" names several files`},
		{name: "prefix too short", arg: "bbbbbbb", err: `"bbbbbbb": no such file`},
		{name: "unknown", arg: "exports/none.csv", err: `"exports/none.csv": no such file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ingest.Forget(ctx, db, ingest.ForgetOptions{Arg: tc.arg, BaseDir: base, Who: ingest.Who{User: "u"}})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.SHA256 != tc.want {
				t.Errorf("forgot %s, want %s", f.SHA256, tc.want)
			}
			// Give it back to the register for the next case.
			if _, err := ingest.Unforget(ctx, db, ingest.ForgetOptions{Arg: tc.want, Who: ingest.Who{User: "u"}}); err != nil {
				t.Fatal(err)
			}
			if err := restoreRegister(db, tc.want); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// restoreRegister puts a forgotten file's register row back, as a load would.
func restoreRegister(db *sql.DB, sha string) error {
	_, err := db.Exec(`insert into ingest_files select file_id, source, kind, 'district', null, path, 1, 'utf-8', null,
		loaded_at, 0, 0, 0, 0, 0, 0, 0, 0, '[]', null, 'ymd' from ingest_forgotten where file_id = ? order by forgotten_at desc limit 1`, sha)
	return err
}

// TestForgetIsOneTransaction: a forget stopped after its deletes leaves the store as it
// was (rows, register, record, figures' config); one that completes removes the rows,
// records the forget and leaves the old figures refused until the transform that follows.
func TestForgetIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := ingest.EnsureSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	sha := strings.Repeat("d", 64)
	for _, q := range []string{
		`insert into ingest_files values ('` + sha + `', 'src', 'cases', 'district', null, 'exports/d.csv', 1, 'utf-8', null,
			'2024-10-01 00:00:00', 3, 2, 1, 0, 0, 0, 0, 0, '[]', null, 'ymd')`,
		`insert into raw_cases (file_id, sheet, row_no, bad_encoding) values ('` + sha + `', '', 2, false), ('` + sha + `', '', 3, false)`,
		`insert into raw_case_personal (file_id, sheet, row_no) values ('` + sha + `', '', 2), ('` + sha + `', '', 3)`,
		`create table transform_meta as select 'the config' as config_hash`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	state := func() string {
		var raw, personal, files, forgotten int
		var hash string
		if err := db.QueryRow(`select (select count(*) from raw_cases), (select count(*) from raw_case_personal),
			(select count(*) from ingest_files), (select count(*) from ingest_forgotten), (select config_hash from transform_meta)`).
			Scan(&raw, &personal, &files, &forgotten, &hash); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("raw %d, personal %d, files %d, forgotten %d, figures made under %q", raw, personal, files, forgotten, hash)
	}
	if err := ingest.EnsureForgetSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	before := state()

	killed := errors.New("killed")
	_, err = ingest.Forget(ctx, db, ingest.ForgetOptions{Arg: sha, Who: ingest.Who{User: "u"}, Now: time.Now(),
		Also: func(tx *sql.Tx) error {
			if err := markFiguresStale(tx); err != nil {
				return err
			}
			return killed
		}})
	if !errors.Is(err, killed) {
		t.Fatalf("err = %v, want the stop", err)
	}
	if got := state(); got != before {
		t.Errorf("after a forget stopped mid-way: %s, want as before: %s", got, before)
	}

	f, err := ingest.Forget(ctx, db, ingest.ForgetOptions{Arg: sha, Who: ingest.Who{User: "u"}, Now: time.Now(), Also: markFiguresStale})
	if err != nil {
		t.Fatal(err)
	}
	if f.RowsRemoved != 2 || f.RowsRead != 3 {
		t.Errorf("removed %d of %d rows read, want 2 of 3", f.RowsRemoved, f.RowsRead)
	}
	want := fmt.Sprintf("raw 0, personal 0, files 0, forgotten 1, figures made under %q", staleFigures)
	if got := state(); got != want {
		t.Errorf("after the forget: %s, want %s", got, want)
	}
}
