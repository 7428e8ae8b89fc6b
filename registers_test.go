package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// registersConfig writes a district whose registers are kept under their own column
// names, mapped by units_headers and catalogue_headers, with a hotline export that has
// no channel column (defaults: channel) and names its columns in traditional characters.
func registersConfig(t *testing.T, units string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("units.csv", units)
	write("catalogue.csv", "事项,limit_days\n居住证明,3\n")
	write("exports/hotline_20241231.csv", "工單編號,承辦單位,受理時間,辦件類型,服務事項,辦結時間,辦理狀態\n"+
		"R1,西街村,2024-07-01 09:00,承諾件,居住证明,2024-07-03 10:00,辦結\n"+
		"R2,西街村,2024-07-02 09:00,,,2024-07-02 10:00,已辦結\n")
	write("minqing.yaml", `store: minqing.duckdb
units: units.csv
units_headers: {代码: code, 名称: name, 级别: level, parent_code: parent}
catalogue: catalogue.csv
catalogue_headers: {事项: item, limit_days: days}
sources:
  - name: hotline
    kind: cases
    level: district
    paths: ["exports/*.csv"]
    defaults: {channel: 热线电话, category: 即办件}
`)
	return filepath.Join(dir, "minqing.yaml")
}

// TestRegistersAsUsersKeepThem: registers under their own column names load, and the
// export's rows all load with the defaults stated in `minqing sources`.
func TestRegistersAsUsersKeepThem(t *testing.T) {
	cfg := registersConfig(t, "代码,名称,级别,parent_code,aliases\n330199000000,和平区,district,,\n330199001000,青石镇,township,330199000000,\n330199001001,西街村,village,330199001000,\n")
	ctx := context.Background()
	p, err := openPipeline(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ingestAndTransform(ctx); err != nil {
		p.Close()
		t.Fatal(err)
	}
	var cases, quarantined int
	var limit int
	err = p.db.QueryRow(`select (select count(*) from cases), (select count(*) from quarantine), (select limit_days from cases where case_no = 'R1')`).Scan(&cases, &quarantined, &limit)
	p.Close()
	if err != nil || cases != 2 || quarantined != 0 || limit != 3 {
		t.Fatalf("%d cases, %d quarantined, R1's limit %d (the catalogue's 3) (%v)", cases, quarantined, limit, err)
	}
	out := string(minqing(t, "sources", "--config", cfg))
	if !strings.Contains(out, "defaults: category=即办件 (1 rows) channel=热线电话 (2 rows)") {
		t.Errorf("sources does not state the defaults applied:\n%s", out)
	}
}

// TestRegisterErrorStopsTheRun: a register error stops the run before any export is
// read, naming the register's file, row and column.
func TestRegisterErrorStopsTheRun(t *testing.T) {
	cfg := registersConfig(t, "代码,名称,级别,parent_code,aliases\n330199000000,和平区,district,,\n330199001000,青石镇,county,330199000000,\n")
	ctx := context.Background()
	p, err := openPipeline(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = p.ingestAndTransform(ctx)
	want := filepath.Join(filepath.Dir(cfg), "units.csv") + ` row 3 column 级别 (level): level "county"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to say %s", err, want)
	}
	var files int
	if err := p.db.QueryRow(`select count(*) from ingest_files`).Scan(&files); err != nil || files != 0 {
		t.Errorf("%d export files loaded before the register was checked (%v)", files, err)
	}
}
