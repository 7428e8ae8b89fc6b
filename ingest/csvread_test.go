package ingest

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"testing"
)

func readAllCSV(t testing.TB, text string, comma byte) ([]csvRecord, error) {
	rd := newCSVReader(bufio.NewReaderSize(strings.NewReader(text), 64), comma)
	var out []csvRecord
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

// TestCSVReader: legit quoting loads as encoding/csv reads it; a quote that is never
// closed, or runs past maxQuoteLines lines, makes every physical line it swallowed a
// BAD_QUOTE record naming the line where it opened; an over-long line is cut.
func TestCSVReader(t *testing.T) {
	rows := func(from, to int) string {
		var b strings.Builder
		for i := from; i <= to; i++ {
			fmt.Fprintf(&b, "A%d,西街村,2024-07-01\n", i)
		}
		return b.String()
	}
	type want struct {
		records, bad int
		firstBad     int    // record index (0-based) of the first BAD_QUOTE record
		detail       string // of the BAD_QUOTE records
		lines        int    // physical lines covered by the records
	}
	for _, tc := range []struct {
		name string
		in   string
		want want
	}{
		{"multi-line cell loads", "编号,单位,诉求内容\nA1,西街村,\"路灯,不亮\n第二行\n第三行\"\nA2,西街村,x\n",
			want{records: 3, lines: 5}},
		{"multi-line cell of 20 lines loads", "编号,单位,诉求内容\nA1,西街村,\"" + strings.Repeat("行,\n", 19) + "末\"\nA2,西街村,x\n",
			want{records: 3, lines: 22}},
		{"quote never closed swallows the rest", "编号,单位,受理时间\n" + rows(1, 10) + "A11,\"西街村,2024-07-01\n" + rows(12, 50),
			want{records: 51, bad: 40, firstBad: 11, detail: "quote opened at line 12 not closed within 20 lines", lines: 51}},
		{"quote never closed near the end", "编号,单位,受理时间\n" + rows(1, 45) + "A46,\"西街村,2024-07-01\n" + rows(47, 50),
			want{records: 51, bad: 5, firstBad: 46, detail: "quote opened at line 47 never closed", lines: 51}},
		{"quote closed 30 lines later", "编号,单位,受理时间\n" + rows(1, 2) + "A3,\"西街村,2024-07-01\n" + rows(4, 32) + "x\",y\n" + rows(34, 40),
			want{records: 41, bad: 31, firstBad: 3, detail: "quote opened at line 4 not closed within 20 lines", lines: 41}},
		{"blank lines inside a runaway quote are rows", "编号,单位\nA1,\"x\n" + strings.Repeat("\n", 25) + "A2,y\n",
			want{records: 28, bad: 27, firstBad: 1, detail: "quote opened at line 2 not closed within 20 lines", lines: 28}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := readAllCSV(t, tc.in, ',')
			if err != nil {
				t.Fatal(err)
			}
			bad, first, lines := 0, -1, 0
			for i, r := range recs {
				n := 1 + strings.Count(strings.Join(r.Fields, ""), "\n")
				if r.Problem == ProblemBadQuote {
					bad++
					if first < 0 {
						first = i
					}
					if r.Detail != tc.want.detail {
						t.Errorf("record %d: detail %q, want %q", i, r.Detail, tc.want.detail)
					}
					n = 1
				}
				lines += n
			}
			if first < 0 {
				first = 0
			}
			if len(recs) != tc.want.records || bad != tc.want.bad || first != tc.want.firstBad || lines != tc.want.lines {
				t.Errorf("%d records, %d BAD_QUOTE from %d, %d lines; want %+v", len(recs), bad, first, lines, tc.want)
			}
			// Rows after the swallowed ones are themselves.
			if last := recs[len(recs)-1]; tc.want.bad > 0 && last.Problem == "" && !strings.HasPrefix(last.Fields[0], "A") {
				t.Errorf("last record %q", last.Fields)
			}
		})
	}
}

func TestCSVReaderLongLine(t *testing.T) {
	in := "编号,单位,诉求内容\nA1,西街村," + strings.Repeat("长", maxLineBytes/3+100) + "\nA2,西街村,短\n"
	recs, err := readAllCSV(t, in, ',')
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[1].Problem != ProblemLineTooLong || recs[2].Fields[0] != "A2" || recs[1].Fields[0] != "A1" {
		t.Fatalf("got %d records: %q %q", len(recs), recs[1].Problem, recs[1].Detail)
	}
	if l := len(recs[1].Fields[2]); l > maxLineBytes {
		t.Errorf("cut cell holds %d bytes", l)
	}
	if !strings.Contains(recs[1].Detail, "line 2 is") {
		t.Errorf("detail %q", recs[1].Detail)
	}
	recs, err = readAllCSV(t, "a,b\n"+strings.Repeat("x,", maxCells+10)+"\nc,d\n", ',')
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[1].Problem != ProblemLineTooLong || len(recs[1].Fields) != maxCells || recs[1].Detail != "line 2 has more than 16384 cells" {
		t.Errorf("a row of too many cells: %d records, %q, %d cells", len(recs), recs[1].Detail, len(recs[1].Fields))
	}
}

// FuzzCSVReader: wherever no record is marked, csvReader reads exactly the records
// encoding/csv reads with LazyQuotes, and marked records never exceed the lines read.
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{
		"a,b\r\nc,\"d\r\ne\"\r\n", "\"a\"\"b\",c\n\n\nd", "a\"b,\"c\"d,e\n", "\"x\n", "\"\"\"\n,", "a,b\r", "\r\n\r\n", "\"a\"\r\nb",
		"H1,\"路灯,不亮\r\n第二行\"\r\n", "x,\"y\n" + strings.Repeat("z\n", 30),
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, in string, tab bool) {
		comma := byte(',')
		if tab {
			comma = '\t'
		}
		recs, err := readAllCSV(t, in, comma)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Problem != "" {
				return
			}
		}
		rd := csv.NewReader(strings.NewReader(in))
		rd.Comma = rune(comma)
		rd.LazyQuotes = true
		rd.FieldsPerRecord = -1
		want, err := rd.ReadAll()
		if err != nil {
			t.Skip(err)
		}
		if len(want) != len(recs) {
			t.Fatalf("%d records, encoding/csv %d: %v vs %q", len(recs), len(want), recs, want)
		}
		for i := range want {
			if fmt.Sprintf("%q", want[i]) != fmt.Sprintf("%q", recs[i].Fields) {
				t.Fatalf("record %d: %q, encoding/csv %q", i, recs[i].Fields, want[i])
			}
		}
	})
}
