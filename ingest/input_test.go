package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// exportBytes renders cases numbered prefix1..prefixN as a file of the given format.
func exportBytes(t *testing.T, format, prefix string, n int) []byte {
	t.Helper()
	switch format {
	case "csv":
		var b strings.Builder
		b.WriteString("诉求编号,承办单位,受理时间,办理类别\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "%s%d,西街村,2024-07-0%d,即办件\n", prefix, i, i)
		}
		return []byte(b.String())
	case "json":
		var objs []string
		for i := 1; i <= n; i++ {
			objs = append(objs, fmt.Sprintf(`{"诉求编号":"%s%d","承办单位":"西街村","受理时间":"2024-07-0%d","办理类别":"即办件"}`, prefix, i, i))
		}
		return []byte("[" + strings.Join(objs, ",\n") + "]")
	case "xlsx":
		f := excelize.NewFile()
		f.SetSheetRow("Sheet1", "A1", &[]any{"诉求编号", "承办单位", "受理时间", "办理类别"})
		for i := 1; i <= n; i++ {
			f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &[]any{fmt.Sprintf("%s%d", prefix, i), "西街村", fmt.Sprintf("2024-07-0%d", i), "即办件"})
		}
		buf, err := f.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	t.Fatalf("format %q", format)
	return nil
}

// TestHashedBytesAreLoaded replaces a file between its hashing and its reading, by a
// rename over it and by rewriting it in place: every file registered holds exactly the
// rows of the bytes its SHA-256 is of, and the file now at the path loads on the next run.
func TestHashedBytesAreLoaded(t *testing.T) {
	for _, format := range []string{"csv", "csv-appender", "json", "xlsx"} {
		for _, how := range []string{"rename", "rewrite"} {
			t.Run(format+"/"+how, func(t *testing.T) {
				ext := strings.TrimSuffix(format, "-appender")
				piped := pipeCSV
				pipeCSV = piped && format != "csv-appender"
				t.Cleanup(func() { pipeCSV = piped })
				dir := t.TempDir()
				path := filepath.Join(dir, "export_20241010."+ext)
				a, b := exportBytes(t, ext, "A", 2), exportBytes(t, ext, "B", 3)
				cases := map[string][]string{sum(a): {"A1", "A2"}, sum(b): {"B1", "B2", "B3"}}
				if err := os.WriteFile(path, a, 0o644); err != nil {
					t.Fatal(err)
				}
				replaced := false
				beforeRead = func(p string) {
					if replaced || p != path {
						return
					}
					replaced = true
					switch how {
					case "rename":
						tmp := filepath.Join(dir, "incoming")
						os.WriteFile(tmp, b, 0o644)
						if err := os.Rename(tmp, path); err != nil {
							t.Fatal(err)
						}
					case "rewrite":
						if err := os.WriteFile(path, b, 0o644); err != nil {
							t.Fatal(err)
						}
					}
				}
				t.Cleanup(func() { beforeRead = func(string) {} })
				db := openTestStore(t)
				opts := Options{Sources: []SourceConfig{{Name: "s", Kind: KindCases, Level: LevelVillage, Paths: []string{"*"}, Encoding: "auto"}},
					BaseDir: dir, Keyer: testKeyer(t)}
				first, err := Run(context.Background(), db, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !replaced {
					t.Fatal("the file was never replaced")
				}
				if r := first[0]; r.Err != nil && !errors.Is(r.Err, ErrChanged) {
					t.Fatalf("first run: %v", r.Err)
				}
				second, err := Run(context.Background(), db, opts)
				if err != nil {
					t.Fatal(err)
				}
				if r := second[0]; r.Status != StatusLoaded || r.SHA256 != sum(b) {
					t.Errorf("second run: %s %s (%v), want the new file loaded", r.Status, r.SHA256, r.Err)
				}
				rows, err := db.Query(`select f.file_id, list(r.case_no order by r.case_no) from ingest_files f
					left join raw_cases r using (file_id) group by all`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				registered := 0
				for rows.Next() {
					var id string
					var got []any
					if err := rows.Scan(&id, &got); err != nil {
						t.Fatal(err)
					}
					registered++
					want, ok := cases[id]
					var have []string
					for _, v := range got {
						have = append(have, fmt.Sprint(v))
					}
					sort.Strings(have)
					if !ok || strings.Join(have, ",") != strings.Join(want, ",") {
						t.Errorf("file %s… registered with rows %v; its bytes hold %v", id[:8], have, want)
					}
				}
				if registered == 0 {
					t.Error("nothing registered")
				}
			})
		}
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
