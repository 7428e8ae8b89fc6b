package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minqing/minqing/store"
)

// peakLimit is the most memory ingest may take for any single input file.
const peakLimit = 1 << 30

// TestPeakMemory generates hostile inputs and loads each in a child process (this test
// binary, re-run as TestPeakMemoryChild), measuring its peak resident memory: each must
// stay under 1 GiB and end as it should, refused with a per-file error or loaded with
// its over-long rows quarantined.
func TestPeakMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and loads inputs of hundreds of megabytes")
	}
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string)
		file string
		// want checks the child's result for the file.
		want func(r FileResult) error
	}{
		{"xlsx whose shared strings unzip to 1.5 GB", func(t *testing.T, path string) {
			writeBomb(t, path, []byte("<si><t>a</t></si>"), 1500<<20)
		}, "bomb_20241010.xlsx", refused("shared strings unzip to")},
		{"xlsx with 40 million empty shared strings", func(t *testing.T, path string) {
			writeBomb(t, path, []byte("<si/>"), 200<<20)
		}, "many_20241010.xlsx", refused("more than 5000000 shared strings")},
		{"csv with a 100 MB cell", func(t *testing.T, path string) {
			writeBig(t, path, "诉求编号,承办单位,受理时间,诉求内容\nA1,西街村,2024-07-01,\"", "长", 100<<20, "\"\nA2,西街村,2024-07-01,短\n")
		}, "cell_20241010.csv", bothRows},
		{"csv with a 100 MB line", func(t *testing.T, path string) {
			writeBig(t, path, "诉求编号,承办单位,受理时间,诉求内容\nA1,西街村,2024-07-01", ",x", 100<<20, "\nA2,西街村,2024-07-01,短\n")
		}, "line_20241010.csv", bothRows},
		{"300 MB JSON array", func(t *testing.T, path string) { writeJSON(t, path, 300<<20, true) }, "array_20241010.json", loadedAll},
		{"300 MB JSON lines", func(t *testing.T, path string) { writeJSON(t, path, 300<<20, false) }, "lines_20241010.jsonl", loadedAll},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tc.file)
			tc.make(t, path)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			cmd := exec.Command(os.Args[0], "-test.run=^TestPeakMemoryChild$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "MINQING_PEAK_FILE="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, tail(out))
			}
			peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024 // kilobytes on Linux
			_, after, ok := bytes.Cut(out, []byte("RESULT "))
			if !ok {
				t.Fatalf("child said nothing:\n%s", tail(out))
			}
			line, _, _ := bytes.Cut(after, []byte("\n"))
			var r struct {
				FileResult
				Err string
			}
			if err := json.Unmarshal(line, &r); err != nil {
				t.Fatal(err)
			}
			if r.Err != "" {
				r.FileResult.Err = errors.New(r.Err)
			}
			t.Logf("%s: %d MB on disk, peak RSS %d MB, %s; %s read %d data %d err %v", tc.file, st.Size()>>20, peak>>20,
				time.Since(start).Round(time.Second), r.Status, r.Read, r.Data, r.FileResult.Err)
			if peak >= peakLimit {
				t.Errorf("peak RSS %d MB, over 1 GiB", peak>>20)
			}
			if err := tc.want(r.FileResult); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestPeakMemoryChild loads the one file TestPeakMemory names, into a store on disk, and
// prints its FileResult.
func TestPeakMemoryChild(t *testing.T) {
	path := os.Getenv("MINQING_PEAK_FILE")
	if path == "" {
		t.Skip("run by TestPeakMemory")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "peak.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := Run(ctx, db, Options{
		Sources: []SourceConfig{{Name: "s", Kind: KindCases, Level: LevelVillage, Paths: []string{filepath.Base(path)}, Encoding: "auto"}},
		BaseDir: filepath.Dir(path), Keyer: testKeyer(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := struct {
		FileResult
		Err string
	}{FileResult: res[0]}
	if r.FileResult.Err != nil {
		r.Err = r.FileResult.Err.Error()
	}
	r.FileResult.Err = nil
	b, _ := json.Marshal(r)
	fmt.Printf("RESULT %s\n", b)
}

func refused(what string) func(FileResult) error {
	return func(r FileResult) error {
		if r.Status != StatusFailed || !errors.Is(r.Err, ErrTooLarge) && !strings.Contains(fmt.Sprint(r.Err), "too large") ||
			!strings.Contains(fmt.Sprint(r.Err), what) || !strings.Contains(fmt.Sprint(r.Err), r.Path) {
			return fmt.Errorf("%s: %v, want refused naming the file and %q", r.Status, r.Err, what)
		}
		return nil
	}
}

// bothRows: the over-long row and the row after it are both stored (the first with its
// row_problem: TestCSVReaderLongLine and TestRowProblemsReachQuarantine check which).
func bothRows(r FileResult) error {
	if r.Status != StatusLoaded || r.Data != 2 || r.Read != 3 {
		return fmt.Errorf("%s: read %d, data %d (%v), want both rows stored", r.Status, r.Read, r.Data, r.Err)
	}
	return nil
}

func loadedAll(r FileResult) error {
	if r.Status != StatusLoaded || r.Data == 0 || r.Data != r.Read-r.Skipped[SkipBlank] {
		return fmt.Errorf("%s: read %d, data %d (%v)", r.Status, r.Read, r.Data, r.Err)
	}
	return nil
}

func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}

// writeBig writes head, then unit repeated to size bytes, then foot.
func writeBig(t *testing.T, path, head, unit string, size int, foot string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(head)
	chunk := strings.Repeat(unit, (1<<20)/len(unit))
	for n := 0; n < size; n += len(chunk) {
		w.WriteString(chunk)
	}
	w.WriteString(foot)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// writeJSON writes cases as a JSON array or JSON lines until the file holds size bytes.
func writeJSON(t *testing.T, path string, size int, array bool) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n := 0
	if array {
		n, _ = w.WriteString("[")
	}
	for i := 1; n < size; i++ {
		sep := "\n"
		if array && i > 1 {
			sep = ",\n"
		}
		k, _ := fmt.Fprintf(w, `%s{"诉求编号":"J%d","承办单位":"西街村","受理时间":"2024-07-01 09:00","办理类别":"即办件","诉求内容":"路灯不亮，请尽快维修，谢谢。","满意度":"满意"}`, sep, i)
		n += k
	}
	if array {
		w.WriteString("]\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// writeBomb writes a workbook whose xl/sharedStrings.xml is unit repeated to size
// bytes, stored in a few megabytes: the same deflated block, repeated.
func writeBomb(t *testing.T, path string, unit []byte, size int64) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row></sheetData></worksheet>`,
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(parts[name]))
	}
	head := []byte(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	foot := []byte(`</sst>`)
	chunk := bytes.Repeat(unit, (1<<20)/len(unit))
	n := (size + int64(len(chunk)) - 1) / int64(len(chunk))
	// Each piece is deflated by a fresh compressor and flushed to a byte boundary, so
	// that pieces can follow one another: the chunk's piece is written n times.
	piece := func(b []byte, final bool) []byte {
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.BestCompression)
		fw.Write(b)
		if final {
			fw.Close()
		} else {
			fw.Flush()
		}
		return buf.Bytes()
	}
	ph, pc, pf := piece(head, false), piece(chunk, false), piece(foot, true)
	crc := crc32.Update(0, crc32.IEEETable, head)
	for i := int64(0); i < n; i++ {
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
	}
	crc = crc32.Update(crc, crc32.IEEETable, foot)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/sharedStrings.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64:   uint64(len(ph)) + uint64(n)*uint64(len(pc)) + uint64(len(pf)),
		UncompressedSize64: uint64(len(head)) + uint64(n)*uint64(len(chunk)) + uint64(len(foot))})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(ph)
	for i := int64(0); i < n; i++ {
		w.Write(pc)
	}
	w.Write(pf)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCheckSharedStrings: the shared-strings scan counts <si> elements with or without a
// namespace prefix and refuses one over maxSharedStringBytes, wherever it is.
func TestCheckSharedStrings(t *testing.T) {
	head := `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	big := strings.Repeat("a", maxSharedStringBytes+1)
	for _, tc := range []struct {
		name, xml string
		want      string // "" = accepted
	}{
		{"ordinary", head + `<si><t>路灯</t></si><si><r><t>a</t></r></si></sst>`, ""},
		{"one string over the limit", head + `<si><t>a</t></si><si><t>` + big + `</t></si><si><t>b</t></si></sst>`, "shared string 2 is over 1 MiB"},
		{"text over the limit after the last", head + `<si><t>a</t></si>` + big + `</sst>`, "shared string 1 is over 1 MiB"},
		{"text over the limit before the first", head + big + `<si><t>a</t></si></sst>`, "shared string 0 is over 1 MiB"},
		{"prefixed elements counted", head + strings.Repeat(`<x:si/>`, maxSharedStrings+1) + `</sst>`, "more than 5000000 shared strings"},
		{"other elements not counted", head + strings.Repeat(`<si/><sip/>`, maxSharedStrings/2+1) + `</sst>`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkSharedStrings(strings.NewReader(tc.xml))
			if tc.want == "" && err != nil || tc.want != "" && (!errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
