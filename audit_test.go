package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tealeg/xlsx/v3"

	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// TestAudit: `minqing audit` flags exactly what the truth flags from the files alone —
// which is exactly what the generator planted (fixtures.TestFlagsArePlanted) — and with
// --period only the flags dated in it.
func TestAudit(t *testing.T) {
	cfg, truth := district(t)
	parse := func(out string) map[string]string {
		got, seen := map[string]string{}, map[string]int{}
		rows := strings.Split(out, auditHeader+"\n")
		if len(rows) != 2 {
			t.Fatalf("audit printed no header:\n%.500s", out)
		}
		for _, line := range strings.Split(strings.TrimSpace(rows[1]), "\n") {
			f := strings.Split(line, "\t")
			if len(f) != 9 {
				t.Fatalf("audit row with %d fields: %q", len(f), line)
			}
			if f[0] != terms.FlagNames[f[1]] || f[0] == "" {
				t.Errorf("audit row names flag %s %q, want %q", f[1], f[0], terms.FlagNames[f[1]])
			}
			c := f[4]
			if strings.HasPrefix(c, terms.NoCaseNo) {
				c = "fp:" // a case without a number: counted, as the truth's fingerprints are
			}
			got[fpNumbered(seen, fixtures.AuditFlag{Code: f[1], Unit: f[2], Case: c, Period: f[5], Source: f[6]})] = f[7]
		}
		return got
	}
	got := parse(string(minqing(t, "audit", "--config", cfg)))
	want := map[string]bool{}
	codes := map[string]int{}
	seen := map[string]int{}
	for _, f := range truth.Flags {
		want[fpNumbered(seen, f)] = true
		codes[f.Code]++
	}
	var missing, extra []string
	for k := range want {
		if _, ok := got[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("audit misses %d flags of the truth %v and adds %d %v", len(missing), missing, len(extra), extra)
	}
	for _, c := range []string{fixtures.FlagDueMismatch, fixtures.FlagBackdatedClosure, fixtures.FlagQuarterEndClosures, fixtures.FlagRatedBeforeClosure, fixtures.FlagExportsStopped, fixtures.FlagDeadlineUnknown,
		fixtures.FlagClosedWithoutDate, fixtures.FlagLongWait} {
		if codes[c] == 0 {
			t.Errorf("the fixtures have no %s: the test shows nothing", c)
		}
	}
	t.Logf("audit: %d flags, exactly the truth's: %v", len(got), codes)

	q := parse(string(minqing(t, "audit", "--config", cfg, "--period", "2024Q1")))
	if len(q) == 0 || len(q) >= len(got) {
		t.Errorf("audit --period 2024Q1: %d flags of %d", len(q), len(got))
	}
	for k, day := range q {
		if !strings.HasPrefix(k, fixtures.FlagExportsStopped) && (day < "2024-01-01" || day > "2024-03-31") {
			t.Errorf("audit --period 2024Q1 lists %s dated %s", k, day)
		}
		if base, _, numbered := strings.Cut(k, "#"); numbered {
			k = base + "#1" // the n-th of a unit's flags in the quarter need not be its n-th in all
		}
		if !want[k] {
			t.Errorf("audit --period 2024Q1 lists %s, not a flag of the truth", k)
		}
	}

	// --unit by name: exactly the flags of the township and its villages.
	var town transform.Unit
	for _, u := range truth.Units {
		if u.Level == transform.LevelTownship {
			town = u
			break
		}
	}
	in := map[string]bool{town.Code: true}
	for _, u := range truth.Units {
		if u.Parent == town.Code {
			in[u.Code] = true
		}
	}
	wantTown := 0
	for k := range got {
		if in[strings.Split(k, "|")[1]] {
			wantTown++
		}
	}
	out := string(minqing(t, "audit", "--config", cfg, "--unit", town.Name))
	if !strings.HasPrefix(out, "审计提示（"+town.Name+"（含下辖单位）") {
		t.Errorf("audit --unit %s: heading %.80q", town.Name, out)
	}
	if byName := parse(out); len(byName) != wantTown || wantTown == 0 {
		t.Errorf("audit --unit %s: %d flags, the township and its villages have %d", town.Name, len(byName), wantTown)
	}
}

// TestWorkbookAuditSheets: the workbook's case lists (按时办结明细) filtered by figure give
// the published on-time rates back; its 审计提示 holds exactly the period's flags that
// `minqing audit --period` prints; its 等待中 holds every case explain says was waiting at
// the cutoff, with the same days waited; 指标说明 prints every setting; 代办 splits the
// figures into 代办 and 非代办.
func TestWorkbookAuditSheets(t *testing.T) {
	cfg, truth := district(t)
	const period = "2024Q3"
	path := strings.TrimSpace(string(minqing(t, "report", "--config", cfg, "--period", period, "--out", t.TempDir())))
	wb, err := xlsx.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := func(name string, header string) [][]string {
		sh, ok := wb.Sheet[name]
		if !ok {
			t.Fatalf("no sheet %s", name)
		}
		var out [][]string
		started := false
		for r := 0; r < sh.MaxRow; r++ {
			row, err := sh.Row(r)
			if err != nil {
				t.Fatal(err)
			}
			var cells []string
			for c := 0; c < sh.MaxCol; c++ {
				cells = append(cells, row.GetCell(c).Value)
			}
			switch {
			case cells[0] == header:
				started = true
			case started && cells[1] != "":
				out = append(out, cells)
			}
		}
		return out
	}
	district := truth.Units[0].Code
	// 按时办结明细: Σ 计入分子 / Σ 计入分母 per figure is the published rate.
	num, den := map[string]float64{}, map[string]float64{}
	for _, r := range rows("按时办结明细", "指标") {
		n, _ := strconv.ParseFloat(r[9], 64)
		d, _ := strconv.ParseFloat(r[10], 64)
		num[r[0]] += n
		den[r[0]] += d
	}
	for _, id := range []string{"on_time_rate", "due_on_time_rate"} {
		def, _ := transform.FigureDefByID(id)
		want := truth.Figures[period][district][id]
		if den[def.Name] == 0 || want == nil || math.Abs(num[def.Name]/den[def.Name]-*want) > 1e-9 {
			t.Errorf("按时办结明细 %s: %v / %v, published %s", def.Name, num[def.Name], den[def.Name], fmtPtr(want))
		}
	}
	// 审计提示: the period's flags.
	out := string(minqing(t, "audit", "--config", cfg, "--period", period))
	wantFlags := strings.Count(out, "\n") - 2
	if got := len(rows("审计提示", "提示")); got != wantFlags || got == 0 {
		t.Errorf("审计提示 has %d rows, audit --period %s prints %d", got, period, wantFlags)
	}
	// 等待中: every case explain marks waiting at the cutoff, with the same days.
	sheet := map[string]string{}
	for _, r := range rows("等待中", "诉求编号") {
		sheet[r[0]] = r[6]
	}
	e := string(minqing(t, "explain", "--config", cfg, "--period", period, "--figure", "due_on_time_rate"))
	waiting := 0
	for _, line := range strings.Split(e, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 11 || !strings.HasPrefix(f[10], "待") {
			continue
		}
		waiting++
		i := strings.Index(f[10], "已等待")
		days := strings.TrimSuffix(f[10][i+len("已等待"):], "天）")
		if sheet[f[0]] != days {
			t.Errorf("case %s: explain says waited %s days, 等待中 says %q", f[0], days, sheet[f[0]])
		}
	}
	if waiting == 0 || len(sheet) < waiting {
		t.Errorf("explain lists %d waiting cases received in %s, 等待中 %d", waiting, period, len(sheet))
	}
	// 指标说明 prints every counting setting in force.
	text := xlsxText(t, path)
	for _, setting := range []string{"部分解决计入解决率的权重", "即办件办结时限", "建议件办结时限", "响应率时限（小时）",
		"季末集中办结提示：最后一个工作日办结件数下限", "季末集中办结提示：相对本季度日均办结数的倍数", "导出中断提示：落后于来源最新导出的天数"} {
		if !strings.Contains(text, setting) {
			t.Errorf("the workbook does not print the setting %s", setting)
		}
	}
	// 代办: the two rows add up to the district's received.
	total := 0.0
	for _, r := range rows("代办", "是否代办") {
		if r[0] == "代办" || r[0] == "非代办" {
			v, _ := strconv.ParseFloat(strings.ReplaceAll(r[1], ",", ""), 64)
			total += v
		}
	}
	if want := truth.Figures[period][district]["received"]; want == nil || total != *want {
		t.Errorf("代办 sheet: received %v, district %s", total, fmtPtr(want))
	}
}

// fpNumbered is a flag's key for comparing the store's flags with the truth's. A case
// without a number is keyed by its fingerprint, which the store hashes and the truth
// spells out: such keys compare as the n-th flag of that code and unit instead.
func fpNumbered(seen map[string]int, f fixtures.AuditFlag) string {
	if !strings.HasPrefix(f.Case, "fp:") {
		return f.Key()
	}
	f.Case = "fp:"
	k := f.Key()
	seen[k]++
	return fmt.Sprintf("%s#%d", k, seen[k])
}
