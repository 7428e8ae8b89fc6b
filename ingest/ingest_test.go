package ingest

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/store"
)

func testKeyer(t testing.TB) *privacy.Keyer {
	k, err := privacy.NewKeyer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDecodeText(t *testing.T) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("受理时间,办理类别\n")
	for _, tc := range []struct {
		name, in, enc, want, used string
	}{
		{"utf-8", "受理时间", "auto", "受理时间", "utf-8"},
		{"utf-8 with BOM", "\xEF\xBB\xBF受理时间", "auto", "受理时间", "utf-8-bom"},
		{"gb18030 detected", gb, "auto", "受理时间,办理类别\n", "gb18030"},
		{"gb18030 declared", gb, "gb18030", "受理时间,办理类别\n", "gb18030"},
		{"bad utf-8 declared", "ab\xffcd", "utf-8", "ab\uFFFDcd", "utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, used, err := decodeText([]byte(tc.in), tc.enc)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || used != tc.used {
				t.Errorf("got %q (%s), want %q (%s)", got, used, tc.want, tc.used)
			}
		})
	}
}

func TestDetectLayout(t *testing.T) {
	m, err := NewMapper(KindCases, map[string]string{"办件号": "case_no"})
	if err != nil {
		t.Fatal(err)
	}
	rows := func(cells ...[]string) sheet {
		var s sheet
		for i, c := range cells {
			s.Rows = append(s.Rows, gridRow{Number: i + 1, Cells: c})
		}
		return s
	}
	for _, tc := range []struct {
		name       string
		in         sheet
		headerRows []int
		fields     []string
		data       int
		skipped    map[string]int
	}{
		{"plain header", rows(
			[]string{"诉求编号", "承办单位", "受理时间"},
			[]string{"A1", "西街村", "2024-07-01"},
		), []int{1}, []string{"case_no", "unit", "received_at"}, 1, map[string]int{SkipHeader: 1}},
		{"title, info line, two-row merged header, totals, footer", rows(
			[]string{"西街村2024年第三季度民情台账", "西街村2024年第三季度民情台账", "西街村2024年第三季度民情台账"},
			[]string{"填报单位：西街村委会"},
			[]string{"基本信息", "基本信息", "诉求内容", "办理情况"},
			[]string{"编号", "受理日期", "诉求内容", "办结日期"},
			[]string{"A1", "2024-07-01", "路灯坏了", ""},
			[]string{"", "", "", ""},
			[]string{"合 计", "1"},
			[]string{"填表人：张三", "", "审核人：李四"},
		), []int{3, 4}, []string{"case_no", "received_at", "description", "closed_at"}, 1,
			map[string]int{SkipTitle: 2, SkipHeader: 2, SkipBlank: 1, SkipTotals: 1, SkipFooter: 1}},
		{"override maps an odd header", rows(
			[]string{"办件号", "责任单位", "登记日期"},
		), []int{1}, []string{"case_no", "unit", "received_at"}, 0, map[string]int{SkipHeader: 1}},
		{"full-width header text", rows(
			[]string{"办理时限（工作日）", "承办单位 ", "受理时间："},
		), []int{1}, []string{"promised_days", "unit", "received_at"}, 0, map[string]int{SkipHeader: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := detectLayout(m, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(l.HeaderRows, tc.headerRows) {
				t.Errorf("header rows %v, want %v", l.HeaderRows, tc.headerRows)
			}
			var fields []string
			for _, c := range l.Columns {
				if c.Field != "" {
					fields = append(fields, c.Field)
				}
			}
			if strings.Join(fields, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("fields %v, want %v", fields, tc.fields)
			}
			if len(l.Data) != tc.data {
				t.Errorf("%d data rows, want %d", len(l.Data), tc.data)
			}
			for k, v := range tc.skipped {
				if l.Skipped[k] != v {
					t.Errorf("skipped %s = %d, want %d (all: %v)", k, l.Skipped[k], v, l.Skipped)
				}
			}
		})
	}
	if _, err := detectLayout(m, rows([]string{"hello", "world"})); err == nil {
		t.Error("a sheet without a header was accepted")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// writeLedger writes an XLSX village ledger with a merged two-row header.
func writeLedger(t testing.TB, path string) {
	f := excelize.NewFile()
	s := "Sheet1"
	set := func(cell string, v any) {
		if err := f.SetCellValue(s, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "西街村民情台账")
	f.MergeCell(s, "A1", "E1")
	set("A2", "基本信息")
	f.MergeCell(s, "A2", "B2")
	set("C2", "办理类别")
	f.MergeCell(s, "C2", "C3")
	set("D2", "诉求人")
	f.MergeCell(s, "D2", "D3")
	set("E2", "联系电话")
	f.MergeCell(s, "E2", "E3")
	set("A3", "编号")
	set("B3", "受理日期")
	set("A4", "A1")
	set("B4", 45474) // 2024-07-01 as an Excel serial
	set("C4", "即办件")
	set("D4", "张三")
	set("E4", "13812345678")
	set("A5", "合计")
	set("B5", 1)
	set("A6", "填表人：李四")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func openTestStore(t *testing.T) *sql.DB {
	db, err := store.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRunLoadsOnceAndIsolatesFailures(t *testing.T) {
	dir := t.TempDir()
	writeLedger(t, filepath.Join(dir, "ledger_20241010.xlsx"))
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("受理编号,责任单位,登记日期,办件类型\nB1,西街村,2024/7/3 14:05,承诺件\n合计,1,,\n")
	os.WriteFile(filepath.Join(dir, "town_20241010.csv"), []byte(gb), 0o644)
	os.WriteFile(filepath.Join(dir, "broken_20241010.csv"), []byte("just,some\ntext,here\n"), 0o644)
	db := openTestStore(t)
	opts := Options{
		Sources: []SourceConfig{{Name: "s", Kind: KindCases, Level: LevelVillage, Paths: []string{"*.xlsx", "*.csv"}, Encoding: "auto"}},
		BaseDir: dir, Keyer: testKeyer(t),
	}
	ctx := context.Background()
	res, err := Run(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]FileResult{}
	for _, r := range res {
		status[r.Path] = r
	}
	if r := status["broken_20241010.csv"]; r.Status != StatusFailed || !strings.Contains(r.Err.Error(), "broken_20241010.csv") {
		t.Errorf("broken file: %+v", r)
	}
	if r := status["ledger_20241010.xlsx"]; r.Status != StatusLoaded || r.Read != 6 || r.Data != 1 || r.Skipped[SkipTitle] != 1 || r.Skipped[SkipHeader] != 2 || r.Skipped[SkipTotals] != 1 || r.Skipped[SkipFooter] != 1 {
		t.Errorf("ledger: %+v", r)
	}
	if r := status["town_20241010.csv"]; r.Status != StatusLoaded || r.Encoding != "gb18030" || r.Data != 1 {
		t.Errorf("township CSV: %+v", r)
	}
	var received, masked, name sql.NullString
	if err := db.QueryRow(`select received_at, citizen_phone_masked, citizen_name_masked from raw_cases where case_no = 'A1'`).Scan(&received, &masked, &name); err != nil {
		t.Fatal(err)
	}
	if received.String != "45474" || masked.String != "138****5678" || name.String != "张*" {
		t.Errorf("ledger row: received %q, phone %q, name %q", received.String, masked.String, name.String)
	}
	var clear int
	db.QueryRow(`select count(*) from raw_cases where list_contains([citizen_key, citizen_name_masked, citizen_phone_masked], '13812345678') or list_contains([citizen_name_masked], '张三')`).Scan(&clear)
	if clear != 0 {
		t.Error("personal data stored in clear")
	}
	// Absent columns are NULL, not empty: the ledger has no channel column.
	var channel sql.NullString
	db.QueryRow(`select channel from raw_cases where case_no = 'A1'`).Scan(&channel)
	if channel.Valid {
		t.Errorf("absent column stored as %q, want NULL", channel.String)
	}
	res2, err := Run(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRow(`select count(*) from raw_cases`).Scan(&n)
	if n != 2 {
		t.Errorf("%d raw rows after loading twice, want 2", n)
	}
	for _, r := range res2 {
		if r.Status == StatusLoaded {
			t.Errorf("%s loaded again", r.Path)
		}
	}
}

func TestSnapshotDate(t *testing.T) {
	for in, want := range map[string]string{
		"全区诉求件_20241005.csv":       "2024-10-05",
		"ledger-2024-10-05.xlsx":   "2024-10-05",
		"2023_report_20240105.csv": "2024-01-05",
		"no date.csv":              "",
	} {
		got := ""
		if d := snapshotDate(in); d != nil {
			got = d.Format("2006-01-02")
		}
		if got != want {
			t.Errorf("snapshotDate(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDetectLayout feeds arbitrary CSV text through decoding, parsing and header
// detection: nothing may panic, and every row must land in exactly one place.
func FuzzDetectLayout(f *testing.F) {
	f.Add([]byte("诉求编号,承办单位,受理时间\nA1,西街村,2024-07-01\n合计,1\n"))
	f.Add([]byte("title\n\n基本信息,基本信息,诉求内容\n编号,受理日期,诉求内容\nA1,2024-07-01,x\n填表人：张三\n"))
	f.Add([]byte("\xEF\xBB\xBF受理编号\t责任单位\nB1\t西街村\n"))
	m, err := NewMapper(KindCases, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		text, _, err := decodeText(b, "auto")
		if err != nil {
			return
		}
		rows, err := collect(newCSVStream(strings.NewReader(text)))
		if err != nil {
			return
		}
		s := sheet{Rows: rows}
		l, err := detectLayout(m, s)
		if err != nil {
			return
		}
		skipped := 0
		for _, v := range l.Skipped {
			skipped += v
		}
		if skipped+len(l.Data) != len(s.Rows) {
			t.Errorf("%d rows read, %d skipped + %d data", len(s.Rows), skipped, len(l.Data))
		}
	})
}

// TestPersonalDataOnlyWhenKept: clear names and phones reach the store only when the
// config keeps personal data, and then only in raw_case_personal.
func TestPersonalDataOnlyWhenKept(t *testing.T) {
	for _, keep := range []bool{false, true} {
		dir := t.TempDir()
		writeLedger(t, filepath.Join(dir, "ledger_20241010.xlsx"))
		db := openTestStore(t)
		_, err := Run(context.Background(), db, Options{
			Sources: []SourceConfig{{Name: "s", Kind: KindCases, Level: LevelVillage, Paths: []string{"*.xlsx"}, Encoding: "auto"}},
			BaseDir: dir, Keyer: testKeyer(t), KeepPersonalData: keep,
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		db.QueryRow(`select count(*) from raw_case_personal where citizen_name = '张三' and citizen_phone = '13812345678'`).Scan(&n)
		if keep && n != 1 {
			t.Errorf("kept: %d clear rows, want 1", n)
		}
		if !keep && n != 0 {
			t.Errorf("not kept: %d clear rows stored", n)
		}
	}
}

// TestFormats loads the same two cases from every text format units send and checks
// the rows, the accounting and the encoding found.
func TestFormats(t *testing.T) {
	utf16le := func(s string) []byte {
		b := []byte{0xFF, 0xFE}
		for _, r := range s {
			if r > 0xFFFF {
				t.Fatal("test text outside the BMP")
			}
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	tsv := "诉求编号\t承办单位\t受理时间\t办理类别\r\nA1\t西街村\t2024-07-01\t即办件\r\nA2\t西街村\t2024-07-02\t承诺件\r\n"
	for _, tc := range []struct {
		name, file string
		body       []byte
		encoding   string
		read, data int
		skipped    map[string]int
	}{
		{"UTF-16 tab-separated (Excel Unicode text)", "a_20241010.txt", utf16le(tsv), "utf-16", 3, 2, map[string]int{SkipHeader: 1}},
		{"JSON array", "a_20241010.json", []byte(`[{"诉求编号":"A1","承办单位":"西街村","受理时间":"2024-07-01","办理类别":"即办件","是否代办":true},
			{"诉求编号":"A2","承办单位":"西街村","受理时间":"2024-07-02","办理类别":"承诺件","承诺时限":5,"满意度":null}]`), "json/utf-8", 2, 2, map[string]int{}},
		{"JSON lines with a blank line", "a_20241010.jsonl", []byte("{\"诉求编号\":\"A1\",\"承办单位\":\"西街村\",\"受理时间\":\"2024-07-01\",\"办理类别\":\"即办件\"}\n\n{\"诉求编号\":\"A2\",\"承办单位\":\"西街村\",\"受理时间\":\"2024-07-02\",\"办理类别\":\"承诺件\"}\n"), "json/utf-8", 3, 2, map[string]int{SkipBlank: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, tc.file), tc.body, 0o644)
			db := openTestStore(t)
			res, err := Run(context.Background(), db, Options{
				Sources: []SourceConfig{{Name: "s", Kind: KindCases, Level: LevelVillage, Paths: []string{"*"}, Encoding: "auto"}},
				BaseDir: dir, Keyer: testKeyer(t),
			})
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if r.Encoding != tc.encoding || r.Read != tc.read || r.Data != tc.data || !sameCounts(r.Skipped, tc.skipped) {
				t.Errorf("got encoding %s read %d data %d skipped %v", r.Encoding, r.Read, r.Data, r.Skipped)
			}
			var unit, received string
			if err := db.QueryRow(`select unit, received_at from raw_cases where case_no = 'A2'`).Scan(&unit, &received); err != nil || unit != "西街村" || received != "2024-07-02" {
				t.Errorf("row A2: unit %q received %q (%v)", unit, received, err)
			}
		})
	}
}

func sameCounts(a, b map[string]int) bool {
	n := 0
	for k, v := range a {
		if v != 0 {
			n++
			if b[k] != v {
				return false
			}
		}
	}
	for _, v := range b {
		if v != 0 {
			n--
		}
	}
	return n == 0
}

func TestJSONValues(t *testing.T) {
	s, err := readJSON(`[{"a":"x","b":5,"c":true,"d":false,"e":null,"f":{"g":1}},{"h":"late key"}]`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.Keys, ",") != "a,b,c,d,e,f,h" {
		t.Errorf("keys %v", s.Keys)
	}
	// Every row has a cell for every key: a key first seen later is an empty cell before.
	if got := strings.Join(s.Rows[0].Cells, "|"); got != `x|5|是|否||{"g":1}|` {
		t.Errorf("row 1: %s", got)
	}
	for _, bad := range []string{`[{"a":1},`, "{\"a\":1}\n{oops}\n", `[1,2]`} {
		if _, err := readJSON(bad); err == nil {
			t.Errorf("readJSON(%q) accepted", bad)
		}
	}
}

// TestLegacyXLS converts a real .xls through LibreOffice where it is installed, and
// otherwise says how to enable it.
func TestLegacyXLS(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger_20241010.xls")
	if _, err := exec.LookPath("soffice"); err != nil {
		os.WriteFile(path, []byte("not really xls"), 0o644)
		_, _, _, err := openStreams(path, "auto")
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "libreoffice-calc") {
			t.Errorf("without LibreOffice: err = %v, want how to enable it", err)
		}
		return
	}
	xlsx := filepath.Join(dir, "src.xlsx")
	writeLedger(t, xlsx)
	out, err := exec.Command("soffice", "-env:UserInstallation=file://"+filepath.Join(dir, "p"), "--headless",
		"--convert-to", "xls", "--outdir", dir, xlsx).CombinedOutput()
	if err != nil {
		t.Fatalf("making an .xls: %v %s", err, out)
	}
	os.Rename(filepath.Join(dir, "src.xls"), path)
	sheets, enc, closeStreams, err := openStreams(path, "auto")
	if err != nil {
		t.Fatal(err)
	}
	defer closeStreams()
	rows, err := collect(sheets[0].Rows)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := NewMapper(KindCases, nil)
	l, err := detectLayout(m, sheet{Rows: rows})
	if err != nil || len(l.Data) != 1 || !strings.Contains(enc, "LibreOffice") {
		t.Errorf("converted .xls: %d data rows, encoding %q, err %v", len(l.Data), enc, err)
	}
}

// FuzzReadXLSX feeds arbitrary bytes (seeded with real workbooks) to the XLSX reader and
// the layout detector: a broken workbook is an error, never a panic.
func FuzzReadXLSX(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.xlsx")
	writeLedger(f, path)
	seed, _ := os.ReadFile(path)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte("PK\x03\x04not a workbook"))
	m, err := NewMapper(KindCases, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "f.xlsx")
		os.WriteFile(path, b, 0o644)
		streams, _, closeStreams, err := openStreams(path, "auto")
		if err != nil {
			return
		}
		defer closeStreams()
		for _, st := range streams {
			rows, err := collect(st.Rows)
			if err != nil {
				continue
			}
			s := sheet{Name: st.Name, Rows: rows}
			if l, err := detectLayout(m, s); err == nil {
				n := len(l.Data)
				for _, v := range l.Skipped {
					n += v
				}
				if n != len(s.Rows) {
					t.Errorf("sheet %q: %d rows, %d placed", s.Name, len(s.Rows), n)
				}
			}
		}
	})
}
