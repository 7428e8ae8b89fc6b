package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestWriteDayFile checks the day's export keeps bigcsv.py's layout and encoding, closes
// only cases that were open, and numbers the new cases after the export's.
func TestWriteDayFile(t *testing.T) {
	dir := t.TempDir()
	export := "受理编号,承办单位,来源渠道,受理时间,办理类别,承诺时限,补齐日期,上级批复日期,办结时间,办理状态,办理结果,满意度,是否代办,首次联系时间,诉求内容\n" +
		"CH000000000,第1街道1村,网站,2024-09-05 07:53,即办件,,,,2024-09-05 11:14,已办结,已解决,满意,否,2024-09-05 09:53,路灯\n" +
		"CH000000001,第1街道1村,网站,2024-12-30 08:00,上报件,,,2025-01-14,,办理中,,,否,2024-12-30 09:00,路灯\n" +
		"CH000000002,第1街道1村,网站,2024-08-01 08:00,建议件,,,,,办理中,,,是,2024-08-01 09:00,路灯\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(export)
	if err != nil {
		t.Fatal(err)
	}
	cases, units, out := filepath.Join(dir, "cases.csv"), filepath.Join(dir, "units.csv"), filepath.Join(dir, "day.csv")
	if err := os.WriteFile(cases, []byte(gb), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(units, []byte("code,name,level,parent_code,aliases\n990300000000,长河区,district,,\n990300001000,第1街道,township,990300000000,\n990300001001,第1街道1村,village,990300001000,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := writeDayFile(cases, units, out, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	if st.Updates != 2 || st.New != 8 {
		t.Errorf("day: %+v, want 2 updates (the open cases) and 8 new", st)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().String(string(b))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(recs[0], ","), strings.SplitN(export, "\n", 2)[0]; got != want {
		t.Errorf("header %s, want %s", got, want)
	}
	if len(recs) != 11 {
		t.Fatalf("%d rows, want a header and 10", len(recs))
	}
	for i, want := range []string{"CH000000001,2024-12-30 08:00,已办结,已解决", "CH000000002,2024-08-01 08:00,已办结,已解释"} {
		r := recs[1+i]
		if got := strings.Join([]string{r[0], r[3], r[9], r[10]}, ","); got != want || !strings.HasPrefix(r[8], "2025-01-20 ") {
			t.Errorf("update %d: %s closed %s, want %s closed on 2025-01-20", i, got, r[8], want)
		}
	}
	if r := recs[3]; r[0] != "CH000000003" || !strings.HasPrefix(r[3], "2025-01-20 ") || r[1] != "第1街道1村" {
		t.Errorf("first new case %v: want CH000000003 received 2025-01-20 at 第1街道1村", r)
	}
}
