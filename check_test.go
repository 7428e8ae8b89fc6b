package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// checkDistrict writes a small district: a township ledger with a two-row header that
// loads (an ignored column, a `headers` key naming the printed two-row form, one that
// names no column) and a hotline export whose dates, labels, numbers and units would
// quarantine most of its rows.
func checkDistrict(t *testing.T, hotline bool) string {
	t.Helper()
	files := map[string]string{
		"units.csv":     "code,name,level,parent,aliases\n330199000000,城关区,district,,\n330199001000,白沙乡,township,330199000000,\n330199001001,西街村,village,330199001000,\n330199001002,东岭村,village,330199001000,\n",
		"catalogue.csv": "item,days\n身份证办理,5\n",
		"good/白沙乡2024-09.csv": "民情台账,,,,,,\n" +
			"登记信息,登记信息,登记信息,登记信息,办理情况,办理情况,备注\n" +
			"受理编号,承办单位,受理时间,群众诉求,办件类型,办理状态,备注\n" +
			"BS-001,西街村,2024-07-03 09:00,路灯不亮,即办件,已办结,\n" +
			"BS-002,东岭村,2024/7/4,垃圾清运,承诺件,办理中,已催办\n" +
			"BS-003,西街村,2024年7月5日,邻里纠纷,即办件,已办结,\n" +
			"BS-004,东岭村,20240706,道路破损,建议件,已受理,\n",
		"minqing.yaml": `store: minqing.duckdb
units: units.csv
catalogue: catalogue.csv
sources:
  - name: baisha-ledger
    kind: cases
    level: township
    unit: "330199001000"
    paths: ["good/*.csv"]
    headers:
      登记信息/群众诉求: description
      备注: "-"
      经办人电话: handler
`,
	}
	if hotline {
		files["hotline/export.csv"] = "工单编号,承办单位,受理时间,办件类型,来源渠道,承诺时限\n" +
			"H-1,西街村,2024-07-01 08:00,即办件,来电,1\n" +
			"H-2,北山村,2024-07-02 08:00,即办件,来电,1\n" +
			"H-3,西街村,2024-13-45,即办件,来电,1\n" +
			"H-4,东岭村,昨天,即办件,来电,1\n" +
			"H-5,东岭村,2024-07-05 10:00,急件,飞鸽传书,1\n" +
			"H-6,西街村,2024-07-06 10:00,即办件,来电,三天\n" +
			"H-7,,2024-07-07 10:00,即办件,来电,2\n" +
			"H-8,西街村,2024-07-08 10:00,即办件,飞鸽传书,1\n"
		files["minqing.yaml"] += `  - name: city-hotline
    kind: cases
    level: district
    paths: ["hotline/*.csv"]
`
	}
	return writeDistrict(t, files)
}

func TestCheckGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hotline bool
		args    []string
		fails   bool
	}{
		{"accepted", false, nil, false},
		{"rejected", true, nil, true},
		{"rejected-sampled", true, []string{"--profile-rows", "3", "--max-quarantine", "0.5"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := checkDistrict(t, tc.hotline)
			var out, errOut bytes.Buffer
			cmd := newRoot(&out, &errOut)
			cmd.SetArgs(append([]string{"check", "--log-level", "warn", "--config", cfg}, tc.args...))
			err := cmd.ExecuteContext(context.Background())
			if tc.fails != (err != nil) {
				t.Fatalf("check: err = %v, want failure %v\n%s", err, tc.fails, out.String())
			}
			if err != nil && !errors.Is(err, errCheckFailed) {
				t.Fatalf("check: %v, want errCheckFailed", err)
			}
			got := out.String()
			if err != nil {
				got += "error: " + err.Error() + "\n"
			}
			golden := filepath.Join("testdata", "check", tc.name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestCheckGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("check output differs from %s (-update rewrites it):\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
			if strings.Contains(got, "备注") && strings.Contains(got, "unmapped headers") && strings.Contains(got, "unmapped headers (map them in the source's `headers`, or \"-\" to ignore): 备注") {
				t.Errorf("a column mapped to \"-\" is listed as unmapped")
			}
		})
	}
}
