package ingest_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/store"
)

// TestPipedEqualsAppender loads the fixture district, plus a file of every CSV hazard,
// once with delimited files going to read_csv through the pipe and once with every file
// going through the Appender, and finds the raw tables and the file register identical
// row for row: the fast path stores exactly what the plain one does.
func TestPipedEqualsAppender(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the fixture district twice")
	}
	dir := t.TempDir()
	if _, err := fixtures.Generate(dir, fixtures.Options{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, "minqing.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Hazards: quotes, delimiters and line breaks inside cells, CRLF, NUL, invalid
	// UTF-8, full-width spaces, missing trailing cells, empty cells, a totals row, a quote
	// never closed (its lines are rows of their own, BAD_QUOTE), and a cell longer than
	// read_csv's line limit (that file must fall back, not fail).
	hazard := "诉求编号,承办单位,受理时间,办理类别,诉求人,联系电话,诉求内容\r\n" +
		"H1,西街村,2024-07-03 09:00,即办件,\"张\"\"三\",13812345678,\"路灯,不亮\r\n第二行\"\r\n" +
		"H2,西街村,2024-07-03,承诺件,\u3000李四\u3000,,含\x00空字符\r\n" +
		"H3,西街村,2024-07-04,即办件,王\xff五,138 1234 5678,\"\"\r\n" +
		"H4,西街村,2024-07-05\r\n" +
		",,,,,,\r\n" +
		"合计,4,,,,,\r\n" +
		"H5,西街村,2024-07-06,即办件,王六,,\"引号未闭合,\r\n" +
		"H6,西街村,2024-07-07,即办件,,,\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(strings.ReplaceAll(hazard, "\xff", "？"))
	if err != nil {
		t.Fatal(err)
	}
	extra := filepath.Join(dir, "hazards")
	os.MkdirAll(extra, 0o755)
	os.WriteFile(filepath.Join(extra, "utf8_20241010.csv"), []byte(strings.ReplaceAll(hazard, "\xff", "？")), 0o644)
	os.MkdirAll(filepath.Join(dir, "badbytes"), 0o755)
	os.WriteFile(filepath.Join(dir, "badbytes", "bad_20241010.csv"), []byte(hazard), 0o644)
	os.WriteFile(filepath.Join(extra, "gb_20241010.csv"), []byte(gb), 0o644)
	long := longRow(t)
	os.WriteFile(filepath.Join(extra, "long_20241010.csv"), []byte(long), 0o644)
	sources := append(cfg.Sources, ingest.SourceConfig{Name: "hazards", Kind: ingest.KindCases, Level: ingest.LevelVillage,
		Paths: []string{"hazards/*.csv"}, Encoding: "auto"}, ingest.SourceConfig{Name: "badbytes", Kind: ingest.KindCases,
		Level: ingest.LevelVillage, Paths: []string{"badbytes/*.csv"}, Encoding: "utf-8"})

	keyer, err := privacy.NewKeyer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	load := func(name string, piped bool) (string, []ingest.FileResult) {
		*ingest.PipeCSV = piped
		t.Cleanup(func() { *ingest.PipeCSV = true })
		path := filepath.Join(t.TempDir(), name+".duckdb")
		db, err := store.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		res, err := ingest.Run(context.Background(), db, ingest.Options{Sources: sources, BaseDir: dir, Keyer: keyer,
			Now: func() time.Time { return time.Date(2024, 10, 10, 8, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		return path, res
	}
	pipedPath, pipedRes := load("piped", true)
	plainPath, plainRes := load("plain", false)

	loaders := map[string]int{}
	for i, r := range pipedRes {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Path, r.Err)
			continue
		}
		loaders[r.Loader]++
		delimited := strings.HasSuffix(r.Path, ".csv") || strings.HasSuffix(r.Path, ".txt") ||
			strings.HasSuffix(r.Path, ".json") || strings.HasSuffix(r.Path, ".jsonl")
		want := "appender"
		if delimited && !strings.Contains(r.Path, "long_") {
			want = "read_csv"
		}
		if r.Loader != want {
			t.Errorf("%s loaded by %s, want %s", r.Path, r.Loader, want)
		}
		if p := plainRes[i]; p.Loader != "appender" || p.Read != r.Read || p.Data != r.Data || fmt.Sprint(p.Skipped) != fmt.Sprint(r.Skipped) {
			t.Errorf("%s: piped read %d, data %d, skipped %v; plain %+v", r.Path, r.Read, r.Data, r.Skipped, p)
		}
	}
	t.Logf("loaders: %v", loaders)
	if loaders["read_csv"] == 0 {
		t.Error("no file went through read_csv")
	}

	db, err := store.Open(context.Background(), pipedPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("attach '%s' as plain (read_only)", plainPath)); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"raw_cases", "raw_visits", "raw_services", "ingest_files"} {
		var total, onlyPiped, onlyPlain int
		q := func(a, b string) string {
			return fmt.Sprintf("select count(*) from (select * from %s.main.%s except all select * from %s.main.%s)", a, table, b, table)
		}
		mustScan(t, db, "select count(*) from "+table, &total)
		mustScan(t, db, q("piped", "plain"), &onlyPiped)
		mustScan(t, db, q("plain", "piped"), &onlyPlain)
		if onlyPiped != 0 || onlyPlain != 0 || total == 0 {
			t.Errorf("%s: %d rows, %d only piped, %d only plain", table, total, onlyPiped, onlyPlain)
		}
	}
	// The hazards themselves arrived intact.
	var desc, name sql.NullString
	mustScan(t, db, `select description, citizen_name_masked from raw_cases r join ingest_files f using (file_id)
		where f.path = 'hazards/utf8_20241010.csv' and case_no = 'H1'`, &desc, &name)
	if desc.String != "路灯,不亮\n第二行" || name.String != "张**" {
		t.Errorf("H1: description %q, name %q", desc.String, name.String)
	}
	var problems int
	mustScan(t, db, `select count(*) from raw_cases r join ingest_files f using (file_id)
		where f.path like 'hazards/%' and case_no in ('H5', 'H6') and row_problem = 'BAD_QUOTE'
		and row_problem_detail = 'quote opened at line 9 never closed'`, &problems)
	if problems != 4 {
		t.Errorf("%d of the 4 lines a quote swallowed are rows of their own, BAD_QUOTE", problems)
	}
	var bad bool
	mustScan(t, db, `select bad_encoding, citizen_name_masked from raw_cases r join ingest_files f using (file_id)
		where f.path = 'badbytes/bad_20241010.csv' and case_no = 'H3'`, &bad, &name)
	if !bad || name.String != "王**" {
		t.Errorf("H3 with an invalid byte: bad_encoding %v, name %q", bad, name.String)
	}
}

func mustScan(t *testing.T, db *sql.DB, q string, dest ...any) {
	t.Helper()
	if err := db.QueryRow(q).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// longRow is a file with a row longer than read_csv's line limit although no cell is
// over ingest's cell limit nor any line over its line limit: twenty columns of 900 kB,
// four to a physical line.
func longRow(t *testing.T) string {
	b, err := os.ReadFile("headers.csv")
	if err != nil {
		t.Fatal(err)
	}
	var headers []string
	seen := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) != 3 || f[0] != "cases" || seen[f[2]] || strings.HasPrefix(f[2], "citizen_") {
			continue
		}
		seen[f[2]] = true
		headers = append(headers, f[1])
	}
	headers = headers[:20]
	if len(headers)*900_000 <= ingest.ReadCSVMaxLine {
		t.Fatal("the long row is not long enough")
	}
	var row strings.Builder
	for i := range headers {
		if i > 0 {
			row.WriteString(",")
		}
		cell := strings.Repeat("a", 900_000)
		if i%4 == 3 {
			cell += "\n"
		}
		row.WriteString(`"` + cell + `"`)
	}
	return strings.Join(headers, ",") + "\n" + row.String() + "\nL2,西街村,2024-07-03,短\n"
}
