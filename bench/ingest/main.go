// Command ingest measures minqing's ingest of one million case rows against its floors,
// each variant in a process of its own so that its peak resident memory (VmHWM) is its own:
//
//   - csv-floor: DuckDB's read_csv loading the rows from a clean UTF-8 CSV (all varchar);
//
//   - csv: minqing's ingest of the same rows as a GB18030 CSV (Excel's default on Chinese
//     Windows): decoding, header detection, mapping, hashing and masking, raw table;
//
//   - xlsx-floor: excelize's streaming row reader over the same rows as XLSX;
//
//   - xlsx: minqing's ingest of that XLSX.
//
//     go run ./bench/ingest               # one million rows
//     go run ./bench/ingest -rows 100000
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/minqing/minqing/bench/peak"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/store"
)

var header = []string{"诉求编号", "承办单位", "来源渠道", "受理时间", "办理类别", "服务事项", "诉求类型", "承诺时限",
	"办结时间", "办理状态", "办理结果", "满意度", "诉求人", "联系电话", "诉求内容"}

type result struct {
	Variant string  `json:"variant"`
	Rows    int     `json:"rows"`
	Seconds float64 `json:"seconds"`
	PeakKiB int     `json:"peak_kib"`
}

func main() {
	n := flag.Int("rows", 1_000_000, "case rows")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "minqing-bench-ingest"), "where the inputs and stores go")
	variant := flag.String("variant", "", "run one variant in this process")
	only := flag.String("variants", "csv-floor,csv,xlsx-floor,xlsx", "variants to run, floor before each")
	cpuProfile := flag.String("cpuprofile", "", "with -variant: write a CPU profile of it to this file")
	flag.Parse()
	if *variant != "" {
		if *cpuProfile != "" {
			f, err := os.Create(*cpuProfile)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
		r, err := run(*variant, *n, *dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	if err := prepare(*n, *dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var rs []result
	for _, v := range strings.Split(*only, ",") {
		cmd := exec.Command(os.Args[0], "-variant", v, "-rows", strconv.Itoa(*n), "-dir", *dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			fmt.Fprintf(os.Stderr, "running %s: %v\n", v, err)
			os.Exit(1)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			fmt.Fprintf(os.Stderr, "reading %s's result: %v\n", v, err)
			os.Exit(1)
		}
		rs = append(rs, r)
	}
	fmt.Printf("| variant | rows | seconds | rows/s | peak RSS | vs floor (time) |\n|---|---:|---:|---:|---:|---:|\n")
	for i, r := range rs {
		ratio := ""
		if i%2 == 1 {
			ratio = fmt.Sprintf("%.2f×", r.Seconds/rs[i-1].Seconds)
		}
		fmt.Printf("| %s | %d | %.1f | %.0f | %d MiB | %s |\n", r.Variant, r.Rows, r.Seconds, float64(r.Rows)/r.Seconds, r.PeakKiB/1024, ratio)
	}
}

// prepare writes the three inputs once: the same rows as UTF-8 CSV, GB18030 CSV and XLSX.
func prepare(n int, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	utf8Path := filepath.Join(dir, fmt.Sprintf("cases-%d-utf8.csv", n))
	if _, err := os.Stat(utf8Path); err == nil {
		return nil
	}
	fmt.Fprintf(os.Stderr, "writing %d rows as UTF-8 CSV, GB18030 CSV and XLSX in %s …\n", n, dir)
	u, err := os.Create(utf8Path)
	if err != nil {
		return err
	}
	g, err := os.Create(filepath.Join(dir, fmt.Sprintf("cases-%d-gb18030.csv", n)))
	if err != nil {
		return err
	}
	uw := csv.NewWriter(bufio.NewWriter(u))
	gbuf := bufio.NewWriter(g)
	gw := csv.NewWriter(simplifiedchinese.GB18030.NewEncoder().Writer(gbuf))
	x := excelize.NewFile()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	write := func(i int, rec []string) error {
		if err := uw.Write(rec); err != nil {
			return err
		}
		if err := gw.Write(rec); err != nil {
			return err
		}
		cells := make([]any, len(rec))
		for j, c := range rec {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		return sw.SetRow(cell, cells)
	}
	if err := write(0, header); err != nil {
		return err
	}
	units := []string{"西街村", "明山庙村", "东湖社区", "青石镇", "西双河社区"}
	classes := []string{"即办件", "承诺件", "建议件"}
	for i := 1; i <= n; i++ {
		d := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i%(360*24)) * time.Hour)
		rec := []string{fmt.Sprintf("HP%09d", i), units[i%len(units)], "热线", d.Format("2006-01-02 15:04:05"),
			classes[i%len(classes)], "", "道路交通", "5", d.Add(48 * time.Hour).Format("2006-01-02 15:04:05"), "已办结", "已解决",
			"满意", "张三", fmt.Sprintf("138%08d", i), "小区路灯不亮，请尽快维修，联系电话在诉求人一栏"}
		if err := write(i, rec); err != nil {
			return err
		}
	}
	uw.Flush()
	gw.Flush()
	if err := gbuf.Flush(); err != nil {
		return err
	}
	u.Close()
	g.Close()
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.SaveAs(filepath.Join(dir, fmt.Sprintf("cases-%d.xlsx", n)))
}

func run(variant string, n int, dir string) (result, error) {
	ctx := context.Background()
	r := result{Variant: variant, Rows: n}
	storePath := filepath.Join(dir, variant+".duckdb")
	os.Remove(storePath)
	os.Remove(storePath + ".wal")
	defer os.Remove(storePath)
	start := time.Now()
	switch variant {
	case "csv-floor":
		db, err := store.Open(ctx, storePath)
		if err != nil {
			return r, err
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `create table t as select * from read_csv(?, header = true, all_varchar = true)`,
			filepath.Join(dir, fmt.Sprintf("cases-%d-utf8.csv", n))); err != nil {
			return r, err
		}
		if _, err := db.ExecContext(ctx, "checkpoint"); err != nil {
			return r, err
		}
	case "xlsx-floor":
		f, err := excelize.OpenFile(filepath.Join(dir, fmt.Sprintf("cases-%d.xlsx", n)))
		if err != nil {
			return r, err
		}
		rows, err := f.Rows("Sheet1")
		if err != nil {
			return r, err
		}
		count := 0
		for rows.Next() {
			if _, err := rows.Columns(); err != nil {
				return r, err
			}
			count++
		}
		rows.Close()
		f.Close()
		if count != n+1 {
			return r, fmt.Errorf("read %d rows, want %d", count, n+1)
		}
	case "csv", "xlsx":
		name := fmt.Sprintf("cases-%d-gb18030.csv", n)
		if variant == "xlsx" {
			name = fmt.Sprintf("cases-%d.xlsx", n)
		}
		db, err := store.Open(ctx, storePath)
		if err != nil {
			return r, err
		}
		defer db.Close()
		keyer, _ := privacy.NewKeyer([]byte(strings.Repeat("k", 32)))
		res, err := ingest.Run(ctx, db, ingest.Options{
			Sources: []ingest.SourceConfig{{Name: "bench", Kind: ingest.KindCases, Level: ingest.LevelDistrict, Paths: []string{name}, Encoding: "auto"}},
			BaseDir: dir, Keyer: keyer, Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			return r, err
		}
		if len(res) != 1 || res[0].Err != nil || res[0].Data != n {
			return r, fmt.Errorf("ingest: %+v", res)
		}
		if _, err := db.ExecContext(ctx, "checkpoint"); err != nil {
			return r, err
		}
	case "appender", "arrow":
		// The two ways to hand Go-parsed rows to DuckDB, alone: the same rows (parsed from
		// the UTF-8 CSV) into a 15-column varchar table, no other work.
		db, err := store.Open(ctx, storePath)
		if err != nil {
			return r, err
		}
		defer db.Close()
		cols := make([]string, len(header))
		for i := range cols {
			cols[i] = fmt.Sprintf("c%d varchar", i)
		}
		if _, err := db.ExecContext(ctx, "create table t ("+strings.Join(cols, ", ")+")"); err != nil {
			return r, err
		}
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("cases-%d-utf8.csv", n)))
		if err != nil {
			return r, err
		}
		defer f.Close()
		rd := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
		rd.ReuseRecord = false
		rd.Read() // header
		next := func() ([]string, bool) {
			rec, err := rd.Read()
			return rec, err == nil
		}
		if variant == "appender" {
			err = appendAppender(ctx, db, "t", len(header), next)
		} else {
			catalog := strings.TrimSuffix(filepath.Base(storePath), ".duckdb")
			err = appendArrow(ctx, db, catalog, "t", len(header), next, 1<<16)
		}
		if err != nil {
			return r, err
		}
		var got int
		if err := db.QueryRowContext(ctx, "select count(*) from t").Scan(&got); err != nil || got != n {
			return r, fmt.Errorf("loaded %d rows, want %d (%v)", got, n, err)
		}
		if _, err := db.ExecContext(ctx, "checkpoint"); err != nil {
			return r, err
		}
	default:
		return r, fmt.Errorf("unknown variant %q", variant)
	}
	r.Seconds = time.Since(start).Seconds()
	r.PeakKiB = peak.RSS()
	return r, nil
}
