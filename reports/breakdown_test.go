package reports

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
	"github.com/tealeg/xlsx/v3"
)

// updateGolden reports -update: rewrite the golden files under testdata/. The flag is
// defined here unless another test file of the package defines it (package variables
// are set before init runs).
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// checkGolden compares got with testdata/name, rewriting the file first under -update;
// what names the text in the failure.
func checkGolden(t *testing.T, name, what, got string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if updateGolden() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n%s", what, golden, got)
	}
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
}

func TestNotFilledNote(t *testing.T) {
	for _, c := range []struct {
		name string
		nf   transform.NotFilled
		want string
	}{
		{"none", transform.NotFilled{}, ""},
		{"no column", transform.NotFilled{NoColumn: 52, NoColumnSources: []string{"village-ledgers", "走访台账"}},
			"注：来源渠道未填写的52件（受理量）来自不含该列的来源：village-ledgers、走访台账。"},
		{"empty cells", transform.NotFilled{EmptyCell: 3, EmptyCellSources: []string{"hotline"}},
			"注：来源渠道未填写的3件（受理量）来自有该列但未填写的来源：hotline。"},
		{"both", transform.NotFilled{NoColumn: 52, NoColumnSources: []string{"village-ledgers"}, EmptyCell: 3, EmptyCellSources: []string{"hotline"}},
			"注：来源渠道未填写的55件（受理量）中，52件来自不含该列的来源：village-ledgers；3件来自有该列但未填写的来源：hotline。"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := notFilledNote(terms.Channel, c.nf); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// breakdownInput is the sample district with a channel breakdown that has a 未填写 row
// (cases from a ledger without the column and from hotline rows left empty) and a topic
// breakdown without one.
func breakdownInput() Input {
	in := sampleInput()
	in.Channels = nil
	for i, v := range []string{"热线", terms.NotFilled, "走访", "=民情信箱"} {
		received := float64(5000 - 1200*i)
		in.Channels = append(in.Channels, transform.BreakdownRow{Value: v,
			Values: figures(map[string]float64{"received": received, "closed": received - 100, "close_rate": 0.9,
				"on_time_rate": 0.9 + float64(i)/100, "due_on_time_rate": 0.88, "overdue_open": 3, "avg_days": 2.4,
				"median_days": 2, "resolution_rate": 0.871, "satisfaction_rate": 0.95, "rating_rate": 0.62,
				"proxy_cases": 40, "proxy_on_time_rate": 1}, "response_rate", "stated_on_time_rate", "score"),
			MoM: map[string]*float64{"received": f64(0.1 * float64(i))}})
	}
	in.NotFilled = map[string]transform.NotFilled{
		terms.Channel: {NoColumn: 3700, NoColumnSources: []string{"village-ledgers"}, EmptyCell: 100, EmptyCellSources: []string{"hotline"}},
	}
	return in
}

// TestBreakdownSheetGolden: the 来源渠道 sheet, every cell as a reader sees it, against
// testdata/breakdown_channels.golden (go test ./reports -run TestBreakdownSheetGolden
// -update rewrites it): the rows in the order given, 未填写 among them, and the note
// naming the sources; the 诉求类型 sheet, without a 未填写 row, has no such note.
// MINQING_BREAKDOWN_XLSX=path keeps the workbook there, to render it.
func TestBreakdownSheetGolden(t *testing.T) {
	path := writeWith(t, breakdownInput())
	if keep := os.Getenv("MINQING_BREAKDOWN_XLSX"); keep != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keep, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wb := openBook(t, path)
	got := dumpSheet(t, wb, sheetChannels)
	checkGolden(t, "breakdown_channels.golden", sheetChannels, got)
	for _, line := range strings.Split(dumpSheet(t, wb, sheetTopics), "\n") {
		if strings.Contains(line, terms.NotFilled) {
			t.Errorf("%s: %q, but the topics have no 未填写 row", sheetTopics, line)
		}
	}
}

// dumpSheet is a sheet's cells as a reader sees them (formatted), a line per row, cells
// separated by " | ", empty trailing cells dropped.
func dumpSheet(t *testing.T, wb *xlsx.File, name string) string {
	t.Helper()
	sh, ok := wb.Sheet[name]
	if !ok {
		t.Fatalf("no sheet %q", name)
	}
	var b strings.Builder
	for r := 0; r < sh.MaxRow; r++ {
		var cells []string
		for c := 0; c < sh.MaxCol; c++ {
			cl, err := sh.Cell(r, c)
			if err != nil {
				t.Fatalf("%s row %d col %d: %v", name, r+1, c+1, err)
			}
			v, err := cl.FormattedValue()
			if err != nil {
				v = cl.Value
			}
			cells = append(cells, v)
		}
		for len(cells) > 0 && cells[len(cells)-1] == "" {
			cells = cells[:len(cells)-1]
		}
		b.WriteString(strings.Join(cells, " | "))
		b.WriteString("\n")
	}
	return b.String()
}

// TestLongNoteFitsARow: a 未填写 note naming many sources, on a sheet printed several pages
// across, is written (a row is at most 409 points high) and kept whole in its cell.
func TestLongNoteFitsARow(t *testing.T) {
	in := breakdownInput()
	var many []string
	for i := range 120 {
		many = append(many, fmt.Sprintf("村级台账来源%03d", i))
	}
	in.NotFilled = map[string]transform.NotFilled{terms.Channel: {NoColumn: 3800, NoColumnSources: many}}
	wb := openBook(t, writeWith(t, in))
	got := dumpSheet(t, wb, sheetChannels)
	if !strings.Contains(got, "村级台账来源119") {
		t.Error("the note lost its last source")
	}
}
