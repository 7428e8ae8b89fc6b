package main

import (
	"archive/zip"
	"encoding/xml"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestReportFormats reads --format.
func TestReportFormats(t *testing.T) {
	for _, tc := range []struct {
		flag    string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"docx", []string{"docx"}, ""},
		{"xlsx, DOCX,xlsx", []string{"xlsx", "docx"}, ""},
		{"pdf", nil, `"pdf" is not a format`},
		{"xlsx,", nil, `"" is not a format`},
	} {
		got, err := reportFormats(tc.flag)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want one saying %s", tc.flag, err, tc.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%q: %v, %v; want %v", tc.flag, got, err, tc.want)
		}
	}
}

// TestDocumentMatchesStats writes the fixture district's report document alone
// (--format docx) and finds every township's figures in its 附表1 equal to what `stats`
// prints.
func TestDocumentMatchesStats(t *testing.T) {
	cfg, _ := district(t)
	const period = "2024Q3"
	out := t.TempDir()
	path := strings.TrimSpace(string(minqing(t, "report", "--config", cfg, "--period", period, "--format", "docx", "--out", out)))
	if filepath.Ext(path) != ".docx" || documentPath(strings.TrimSuffix(path, ".docx")+".xlsx") != path {
		t.Fatalf("report --format docx printed %q", path)
	}
	if xs, _ := filepath.Glob(filepath.Join(out, "*.xlsx")); len(xs) != 0 {
		t.Errorf("--format docx wrote %v", xs)
	}
	s, _ := stats(t, cfg, period)
	byName := map[string]map[string]*float64{}
	for _, u := range s.Units {
		if u.Level == "township" {
			byName[u.Name] = u.Figures
		}
	}
	rows := firstTable(t, path)
	ids := map[string]string{"受理量": "received", "办结量": "closed", "办结率": "close_rate", "按时办结率": "on_time_rate",
		"按期办结率": "due_on_time_rate", "超期未办结": "overdue_open", "满意率": "satisfaction_rate", "综合得分": "score"}
	checked := 0
	for _, r := range rows[1:] {
		figs, ok := byName[r[0]]
		if !ok {
			continue // the district's row, 全区
		}
		delete(byName, r[0])
		for i, head := range rows[0][1:] {
			id := ids[head]
			v := figs[id]
			got := r[i+1]
			if v == nil {
				if got != "—" {
					t.Errorf("%s %s = %q, stats has none", r[0], head, got)
				}
				continue
			}
			n, err := strconv.ParseFloat(strings.TrimSuffix(strings.ReplaceAll(got, ",", ""), "%"), 64)
			want := *v
			if strings.HasSuffix(got, "%") {
				want *= 100
			}
			if err != nil || math.Abs(n-want) > 0.05 {
				t.Errorf("%s %s = %q, stats %v", r[0], head, got, *v)
			}
			checked++
		}
	}
	if len(byName) != 0 || checked == 0 {
		t.Errorf("附表1 lacks %d townships (%d cells checked)", len(byName), checked)
	}
}

// firstTable returns the cell texts of the first table of the document at path.
func firstTable(t *testing.T, path string) [][]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	var rows [][]string
	var row []string
	var text strings.Builder
	inT, inTbl, done := false, false, false
	for !done {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "tbl":
				inTbl = true
			case "tr":
				row = nil
			case "tc":
				text.Reset()
			case "t":
				inT = true
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "tbl":
				done = true
			case "tr":
				rows = append(rows, row)
			case "tc":
				row = append(row, text.String())
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT && inTbl {
				text.Write(e)
			}
		}
	}
	if len(rows) < 2 {
		t.Fatalf("%s has no table", path)
	}
	return rows
}
