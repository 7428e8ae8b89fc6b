// Command bench measures reports.Write on a quarter with a million listed cases
// against the floor: a plain excelize StreamWriter dump of the same rows and
// columns, with no style but a date format. Each variant runs in a process of its
// own, so its peak resident memory (VmHWM) is its own; the table gives the time of
// the write alone and the peak of the whole process, input included.
//
//	go run ./bench                 # both variants, one million cases
//	go run ./bench -cases 200000
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/minqing/minqing/bench/peak"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/minqing/minqing/reports"
	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

// result is what a child reports, one JSON line on stdout.
type result struct {
	Variant   string  `json:"variant"`
	Cases     int     `json:"cases"`
	Seconds   float64 `json:"seconds"`    // the write alone
	InputKiB  int     `json:"input_kib"`  // VmHWM after building the input, before writing
	PeakKiB   int     `json:"peak_kib"`   // VmHWM at the end
	FileBytes int64   `json:"file_bytes"` // size of the workbook
}

func main() {
	n := flag.Int("cases", 1_000_000, "cases in the list")
	variant := flag.String("variant", "", "run one variant in this process: report or floor (default: run both, each in a child)")
	dir := flag.String("dir", os.TempDir(), "where the workbooks are written")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *variant != "" {
		r, err := run(*variant, *n, *dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	var rs []result
	for _, v := range []string{"floor", "report"} {
		cmd := exec.Command(os.Args[0], "-variant", v, "-cases", strconv.Itoa(*n), "-dir", *dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			fmt.Fprintf(os.Stderr, "running %s: %v\n", v, err)
			os.Exit(1)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			fmt.Fprintf(os.Stderr, "reading %s's result %q: %v\n", v, out, err)
			os.Exit(1)
		}
		rs = append(rs, r)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "| variant | cases | write time | peak RSS (VmHWM) | RSS after input built | file |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		fmt.Fprintf(w, "| %s | %d | %.1f s | %d MiB | %d MiB | %.1f MiB |\n", r.Variant, r.Cases, r.Seconds,
			r.PeakKiB/1024, r.InputKiB/1024, float64(r.FileBytes)/(1<<20))
	}
	floor, rep := rs[0], rs[1]
	fmt.Fprintf(w, "\nreport / floor: time %.2f×, peak RSS %.2f×, peak RSS above the input %.2f× (goal: time ≤ 1.5×, peak < 1 GiB)\n",
		rep.Seconds/floor.Seconds, float64(rep.PeakKiB)/float64(floor.PeakKiB),
		float64(rep.PeakKiB-rep.InputKiB)/float64(max(floor.PeakKiB-floor.InputKiB, 1)))
	fmt.Fprintf(w, "machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
}

func run(variant string, n int, dir string) (result, error) {
	in := input(n)
	runtime.GC()
	r := result{Variant: variant, Cases: n, InputKiB: peak.RSS()}
	path := filepath.Join(dir, "minqing-bench-"+variant+".xlsx")
	defer os.Remove(path)
	start := time.Now()
	var err error
	switch variant {
	case "report":
		err = reports.Write(path, in)
	case "floor":
		err = floor(path, in.Cases)
	default:
		err = fmt.Errorf("unknown variant %q", variant)
	}
	if err != nil {
		return r, err
	}
	r.Seconds = time.Since(start).Seconds()
	r.PeakKiB = peak.RSS()
	st, err := os.Stat(path)
	if err != nil {
		return r, err
	}
	r.FileBytes = st.Size()
	return r, nil
}

// floor dumps the cases as plainly as excelize allows: one StreamWriter, the same
// fourteen columns, strings as they are, dates as serial numbers under one date
// style, no widths, borders, quote prefixes, masking or cutting.
func floor(path string, cases []transform.CaseRow) error {
	f := excelize.NewFile()
	defer f.Close()
	dateFmt := "yyyy-mm-dd hh:mm"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []interface{}{"案件编号", "所属乡镇", "承办单位", "办理类别", "来源渠道", "受理时间",
		"办结期限", "办结时间", "状态", "逾期工作日", "是否代办", "诉求人", "联系电话", "诉求内容"}); err != nil {
		return err
	}
	date := func(t *time.Time) interface{} {
		if t == nil {
			return "—"
		}
		return excelize.Cell{StyleID: dateStyle, Value: serial(*t)}
	}
	for i := range cases {
		c := &cases[i]
		proxy := "否"
		if c.Proxy {
			proxy = "是"
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []interface{}{c.CaseNo, c.TownshipName, c.UnitName, c.Category, c.Channel,
			date(&c.ReceivedAt), date(c.Deadline), date(c.ClosedAt), c.Status, c.DaysLate, proxy,
			c.Citizen, c.Phone, c.Description}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}

// serial is t as an Excel date number on its own wall clock.
func serial(t time.Time) float64 {
	d := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	return float64(d.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC))) / float64(24*time.Hour)
}

var (
	townships = []string{"东街街道", "西湖镇", "北山乡", "南关街道", "青石镇", "柳河镇"}
	classes   = []string{"即办件", "承诺件", "补办件", "上报件", "建议件"}
	channels  = []string{"热线", "民情信箱", "网站", "走访", "接待日", "政务大厅", "微信"}
	topics    = []string{"道路交通", "环境卫生", "物业管理", "矛盾纠纷", "低保救助", "医疗卫生", "水电气暖", "就业", "证照办理", "其他"}
	statuses  = []string{"已办结", "办理中", "已上报", "待补正"}
	texts     = []string{
		"反映小区门口路灯损坏已近两个月，夜间出行存在安全隐患，希望尽快安排维修。",
		"楼道内长期堆放杂物，物业多次催促未清理，存在消防隐患，请社区协调处理并公示整改结果。",
		"申请办理低保救助，材料已于上周提交，至今未收到审核结果，请告知办理进度。",
		"村西头排水沟堵塞，下雨后积水漫进院子，希望村委会组织清淤。",
		"对上次反映的噪音扰民问题处理结果不满意，夜间施工仍在继续。",
	}
)

// input builds the workbook of a district of 6 townships and 40 villages with n
// overdue or late cases, as the read API would hand it to reports.Write.
func input(n int) reports.Input {
	cst := transform.Shanghai
	district := transform.Unit{Code: "320102000000", Name: "和平区", Level: "district"}
	period, _ := transform.ParsePeriod("2024Q3")
	vals := map[string]*float64{}
	for i, d := range transform.FigureDefs() {
		v := float64(100 + i)
		if d.Kind == transform.KindRate {
			v = 0.9
		}
		vals[d.ID] = &v
	}
	in := reports.Input{
		District: district, Scope: district, Period: period, Defs: transform.FigureDefs(),
		Weights:  map[string]float64{"response_rate": 0.1, "resolution_rate": 0.45, "satisfaction_rate": 0.45},
		Settings: [][2]string{{"rules.partial_resolution_weight", "0.5"}},
		Manifest: reports.Manifest{Version: "bench", Cutoff: period.Cutoff},
	}
	in.Units = append(in.Units, transform.UnitFigures{Unit: district, Values: vals})
	type village struct{ code, name, township string }
	var villages []village
	for t, tn := range townships {
		tc := fmt.Sprintf("320102%03d000", t+1)
		in.Units = append(in.Units, transform.UnitFigures{Unit: transform.Unit{Code: tc, Name: tn, Level: "township", Parent: district.Code}, Values: vals})
		for v := range 7 {
			if len(villages) == 40 {
				break
			}
			vc := fmt.Sprintf("320102%03d%03d", t+1, v+1)
			vn := fmt.Sprintf("%s第%d社区", tn, v+1)
			villages = append(villages, village{vc, vn, tn})
			in.Units = append(in.Units, transform.UnitFigures{Unit: transform.Unit{Code: vc, Name: vn, Level: "village", Parent: tc}, Values: vals})
		}
	}
	for mo := 1; mo <= 9; mo++ {
		p, _ := transform.ParsePeriod(fmt.Sprintf("2024-%02d", mo))
		in.Months = append(in.Months, transform.PeriodFigures{Period: p, Values: vals})
	}
	for _, c := range classes {
		in.Classes = append(in.Classes, transform.BreakdownRow{Value: c, Values: vals})
	}
	for _, c := range channels {
		in.Channels = append(in.Channels, transform.BreakdownRow{Value: c, Values: vals})
	}
	for _, c := range topics {
		in.Topics = append(in.Topics, transform.BreakdownRow{Value: c, Values: vals})
	}
	start := time.Date(2024, 7, 1, 8, 0, 0, 0, cst)
	in.Cases = make([]transform.CaseRow, n)
	for i := range in.Cases {
		v := villages[i%len(villages)]
		received := start.Add(time.Duration(i%(90*24*60)) * time.Minute)
		deadline := time.Date(received.Year(), received.Month(), received.Day()+5, 0, 0, 0, 0, cst)
		c := transform.CaseRow{
			CaseKey: fmt.Sprintf("HP2024%08d", i), UnitCode: v.code, UnitName: v.name, TownshipName: v.township,
			Category: classes[i%5], Channel: channels[i%7], Topic: topics[i%10], Status: statuses[i%4],
			ReceivedAt: received, Deadline: &deadline, DaysLate: 1 + i%30, Proxy: i%9 == 0,
			Citizen: "张*", Phone: fmt.Sprintf("13%d****%04d", i%10, i%10000),
			Description: fmt.Sprintf("%s（第%d次反映）", texts[i%len(texts)], 1+i%3),
		}
		c.CaseNo = c.CaseKey
		if i%2 == 0 {
			closed := deadline.AddDate(0, 0, 3).Add(10 * time.Hour)
			c.ClosedAt, c.Status = &closed, "已办结"
		} else {
			c.Overdue = true
		}
		in.Cases[i] = c
	}
	return in
}
