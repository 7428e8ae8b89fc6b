package main

import (
	"bytes"
	"encoding/csv"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tealeg/xlsx/v3"

	"github.com/minqing/minqing/internal/terms"
)

// retiredEverywhere are the retired variants that name nothing else in any context, so
// they are looked for anywhere in a text; the others (编号, 渠道, 电话 …) are parts of
// current terms or of prose and are looked for as whole labels only.
var retiredEverywhere = []string{"案件编号", "受理渠道", "单位代码", "区划代码", "所属乡镇", "(空)", "（空）"}

// retiredIn returns the retired variants a label is, or holds.
func retiredIn(label string) []string {
	label = strings.TrimSpace(label)
	var found []string
	if _, ok := terms.Retired[label]; ok {
		found = append(found, label)
	}
	for _, v := range retiredEverywhere {
		if v != label && strings.Contains(label, v) {
			found = append(found, v)
		}
	}
	return found
}

func TestRetiredIn(t *testing.T) {
	tests := []struct {
		label string
		want  []string
	}{
		{"诉求编号", nil},
		{"编号", []string{"编号"}},
		{" 渠道 ", []string{"渠道"}},
		{"来源渠道", nil},
		{"单位编码", nil},
		{"单位代码", []string{"单位代码"}},
		{"按案件编号排序", []string{"案件编号"}},
		{"(空)", []string{"(空)"}},
		{"联系电话", nil},
		{"电话", []string{"电话"}},
		{"办结时间", []string{"办结时间"}},
		{"以办结时间为准", nil}, // prose: 办结时间 is looked for as a label only
	}
	for _, tt := range tests {
		got := retiredIn(tt.label)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("retiredIn(%q) = %v, want %v", tt.label, got, tt.want)
		}
	}
}

var (
	pageText   = regexp.MustCompile(`>([^<>]+)<`)
	pageAttr   = regexp.MustCompile(`(?:title|aria-label|placeholder|alt)="([^"]*)"`)
	pageString = regexp.MustCompile(`"((?:[^"\\]|\\.){1,40})"`)
)

// assertNoRetiredTerms scans every output under dir — each workbook's cells, each page's
// text, attributes and chart labels, each CSV's fields — for the variants internal/terms
// retires, and names the file and place of each.
func assertNoRetiredTerms(t *testing.T, dir string) {
	t.Helper()
	hitCount := map[string]int{} // file, sheet or part, variant → cells
	note := func(file, where, label string) {
		for _, v := range retiredIn(label) {
			rel, _ := filepath.Rel(dir, file)
			hitCount[rel+" "+where+": "+v]++
		}
	}
	scanned := map[string]int{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".xlsx":
			scanned["xlsx"]++
			wb, err := xlsx.OpenFile(path)
			if err != nil {
				return err
			}
			for _, sh := range wb.Sheets {
				note(path, "sheet name", sh.Name)
				err := sh.ForEachRow(func(r *xlsx.Row) error {
					return r.ForEachCell(func(c *xlsx.Cell) error {
						for _, line := range strings.Split(c.Value, "\n") {
							note(path, "sheet "+sh.Name, line)
						}
						return nil
					})
				})
				if err != nil {
					return err
				}
			}
		case ".html":
			scanned["html"]++
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, re := range []*regexp.Regexp{pageText, pageAttr, pageString} {
				for _, m := range re.FindAllSubmatch(b, -1) {
					note(path, "text", string(m[1]))
				}
			}
		case ".csv":
			scanned["csv"]++
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			r := csv.NewReader(f)
			r.FieldsPerRecord = -1
			rows, err := r.ReadAll()
			if err != nil {
				return err
			}
			for _, row := range rows {
				for _, field := range row {
					note(path, "CSV", field)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned["xlsx"] == 0 || scanned["html"] == 0 {
		t.Fatalf("scanned %v under %s: want the workbook and the dashboard", scanned, dir)
	}
	var hits []string
	for h, n := range hitCount {
		hits = append(hits, h+" ("+strconv.Itoa(n)+"×)")
	}
	sort.Strings(hits)
	for _, h := range hits {
		t.Errorf("retired term: %s", h)
	}
}

// TestHelpSpeaksTerms: the command line's help uses no retired term.
func TestHelpSpeaksTerms(t *testing.T) {
	root := newRoot(&bytes.Buffer{}, &bytes.Buffer{})
	cmds := append(root.Commands(), root)
	for _, c := range cmds {
		var out bytes.Buffer
		c.SetOut(&out)
		if err := c.Help(); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(out.String(), "\n") {
			for _, v := range retiredEverywhere {
				if strings.Contains(line, v) {
					t.Errorf("`%s --help` says %s: %q", c.CommandPath(), v, strings.TrimSpace(line))
				}
			}
		}
	}
}
