package transform_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/transform"
	"github.com/minqing/minqing/transform/calendar"
)

// miniDistrict writes a register, a catalogue and one case export, then loads and
// transforms them into a fresh store.
func miniDistrict(t *testing.T, header string, rows []string) *sql.DB {
	t.Helper()
	db, err := loadMini(t, header, rows)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func loadMini(t *testing.T, header string, rows []string, overrides ...transform.LabelOverride) (*sql.DB, error) {
	t.Helper()
	return loadMiniRules(t, header, rows, transform.DefaultRules(), overrides...)
}

// loadMiniRules is loadMini under other counting rules.
func loadMiniRules(t *testing.T, header string, rows []string, rules transform.Rules, overrides ...transform.LabelOverride) (*sql.DB, error) {
	t.Helper()
	return testLoad(t, map[string]string{"cases_20241231.csv": header + "\n" + strings.Join(rows, "\n") + "\n"},
		[]ingest.SourceConfig{{Name: "test", Kind: "cases", Level: "district", Paths: []string{"cases_*.csv"}, Encoding: "auto"}},
		&transform.Options{Rules: rules, LabelOverrides: overrides})
}

const header = "诉求编号,承办单位,受理时间,办理类别,服务事项,承诺时限,补正告知日期,补齐日期,上报日期,上级批复日期,办结时间,办理状态,办理结果,满意度,办结期限,更新时间"

func TestCaseRules(t *testing.T) {
	type want struct {
		deadline   string // "" = none (waiting)
		onTime     string // "t", "f" or "" (not closed)
		processing string // working days, "" when not closed
		waiting    bool
		mismatch   bool
		unknown    string // DEADLINE_UNKNOWN: what the case lacks
	}
	cases := []struct {
		name string
		row  string
		want want
	}{
		{"promised: Monday + 3 (domain.md)", "A1,西街村,2024-07-01 09:00,承诺件,,3,,,,,2024-07-04 17:00,已办结,已解决,满意,2024-07-04,2024-07-05 09:00",
			want{"2024-07-04", "t", "3", false, false, ""}},
		{"promised: make-up Sunday + 1 (domain.md)", "A2,西街村,2024-09-29 10:00,承诺件,,1,,,,,2024-09-30 10:00,已办结,已解决,满意,,2024-10-01 09:00",
			want{"2024-09-30", "t", "1", false, false, ""}},
		{"promised: 09-30 + 1 is after National Day (domain.md)", "A3,西街村,2024-09-30 10:00,承诺件,,1,,,,,2024-10-09 10:00,已办结,已解决,满意,2024-10-01,2024-10-09 10:00",
			want{"2024-10-08", "f", "2", false, true, ""}},
		{"immediate on a Saturday", "A4,西街,2024-07-06 10:00,即办件,,,,,,,2024-07-06 11:00,已办结,已解决,,,2024-07-06 11:00",
			want{"2024-07-06", "t", "0", false, false, ""}},
		{"immediate closed next working day is late", "A5,西街村委会,2024-07-05 10:00,即办件,,,,,,,2024-07-08 11:00,已办结,已解决,,,2024-07-08 11:00",
			want{"2024-07-05", "f", "1", false, false, ""}},
		{"supplement counts from complete documents", "A6,东湖社区,2024-07-01 09:00,补办件,,2,2024-07-01,2024-07-10,,,2024-07-12 15:00,已办结,已解决,,,2024-07-12 15:00",
			want{"2024-07-12", "t", "2", false, false, ""}},
		{"supplement still waiting", "A7,东湖社区居委会,2024-07-01 09:00,补办件,,2,2024-07-02,,,,,待补正,,,,2024-07-02 09:00",
			want{"", "", "", true, false, ""}},
		{"escalated: 3 days after the reply", "A8,青石镇,2024-07-01 09:00,上报件,,,,,2024-07-02,2024-07-05,2024-07-10 09:00,已办结,已解决,,,2024-07-10 09:00",
			want{"2024-07-10", "t", "4", false, false, ""}}, // 7 working days gross less 3 waiting (07-03..07-05)
		{"escalated awaiting reply", "A9,青石镇,2024-07-01 09:00,上报件,,,,,2024-07-02,,,已上报,,,,2024-07-02 09:00",
			want{"", "", "", true, false, ""}},
		{"catalogue limit across Spring Festival", "A10,西街村,2024-02-08 09:00,承诺件,低保申请,,,,,,2024-02-28 09:00,已办结,已解决,,,2024-02-28 09:00",
			want{"2024-02-28", "t", "10", false, false, ""}},
		{"referred on a make-up Saturday", "A11,西街村,2024-10-12 09:00,建议件,,,,,,,2024-10-12 10:00,已办结,已解释,,,2024-10-12 10:00",
			want{"2024-10-12", "t", "0", false, false, ""}},
		{"explicit limit overrides the catalogue", "A12,西街村,2024-07-01 09:00,承诺件,低保申请,1,,,,,2024-07-03 09:00,已办结,已解决,,,2024-07-03 09:00",
			want{"2024-07-02", "f", "2", false, false, ""}},
		// Worked by hand on the 2024 schedule: National Day off 10-01..10-07, make-up
		// Sunday 09-29; Spring Festival off 02-10..02-17, make-up Sundays 02-04 and 02-18.
		{"supplement complete on the make-up Sunday before National Day", "A13,西街村,2024-09-26 09:00,补办件,,2,2024-09-26,2024-09-29,,,2024-10-08 10:00,已办结,已解决,,,2024-10-08 10:00",
			want{"2024-10-08", "t", "2", false, false, ""}}, // due 09-30, 10-08; gross 09-27, 09-29, 09-30, 10-08 = 4 less 09-27, 09-29 waiting
		{"escalated reply before Spring Festival", "A14,青石镇,2024-02-05 09:00,上报件,,,,,2024-02-05,2024-02-08,2024-02-19 09:00,已办结,已解决,,,2024-02-19 09:00",
			want{"2024-02-19", "t", "3", false, false, ""}}, // due 02-09, 02-18, 02-19; gross 6 less 02-06..02-08 waiting
		{"immediate on a National Day holiday", "A15,西街村,2024-10-03 10:00,即办件,,,,,,,2024-10-03 11:00,已办结,已解决,,,2024-10-03 11:00",
			want{"2024-10-03", "t", "0", false, false, ""}},
		{"promised over a weekend, a day late", "A16,西街村,2024-07-05 16:00,承诺件,,1,,,,,2024-07-09 10:00,已办结,已解决,,2024-07-08,2024-07-09 10:00",
			want{"2024-07-08", "f", "2", false, false, ""}},
		{"supplement awaited across the quarter's end", "A17,东湖社区,2024-06-27 09:00,补办件,,2,2024-06-27,2024-07-03,,,2024-07-04 10:00,已办结,已解决,,,2024-07-04 10:00",
			want{"2024-07-05", "t", "1", false, false, ""}}, // gross 06-28, 07-01..07-04 = 5 less 06-28, 07-01..07-03 = 4
		// A case lacking a later-stage date is a case (domain.md "Data quality"): "?" = closed,
		// on time unknown.
		{"supplement with no request date yet is open and not due", "B1,西街村,2024-07-01 09:00,补办件,,2,,,,,,待补正,,,,2024-07-02 09:00",
			want{"", "", "", true, false, "补正告知日期"}},
		{"closed supplement without 补齐日期: no deadline, no processing days", "B2,东湖社区,2024-07-01 09:00,补办件,,2,2024-07-01,,,,2024-07-05 15:00,已办结,已解决,,,2024-07-05 15:00",
			want{"", "?", "", false, false, "补齐日期"}},
		{"closed supplement without a request date: on time counts, days do not", "B3,东湖社区,2024-07-01 09:00,补办件,,2,,2024-07-03,,,2024-07-05 15:00,已办结,已解决,,,2024-07-05 15:00",
			want{"2024-07-05", "t", "", false, false, "补正告知日期"}},
		{"closed escalated without the reply date", "B4,青石镇,2024-07-01 09:00,上报件,,,,,2024-07-02,,2024-07-10 09:00,已办结,已解决,,,2024-07-10 09:00",
			want{"", "?", "", false, false, "上级批复日期"}},
		{"closed promised without a limit", "B5,西街村,2024-07-01 09:00,承诺件,,,,,,,2024-07-04 17:00,已办结,已解决,,,2024-07-04 17:00",
			want{"", "?", "", false, false, "承诺时限"}},
	}
	var rows []string
	for _, c := range cases {
		rows = append(rows, c.row)
	}
	db := miniDistrict(t, header, rows)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			caseNo := strings.SplitN(c.row, ",", 2)[0]
			var deadline, onTime, processing, unknown sql.NullString
			var waiting, mismatch bool
			err := db.QueryRow(`select strftime(deadline, '%Y-%m-%d'),
				case when is_closed then (case when is_on_time then 't' when is_on_time is null then '?' else 'f' end) end,
				cast(processing_days as varchar), is_waiting, due_mismatch, deadline_unknown from cases where case_no = ?`, caseNo).
				Scan(&deadline, &onTime, &processing, &waiting, &mismatch, &unknown)
			if err != nil {
				var reason sql.NullString
				db.QueryRow(`select reason || ': ' || reason_detail from stg_cases where case_no = ?`, caseNo).Scan(&reason)
				t.Fatalf("case %s: %v (quarantine: %s)", caseNo, err, reason.String)
			}
			got := want{deadline.String, onTime.String, processing.String, waiting, mismatch, unknown.String}
			if got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestQuarantineReasons(t *testing.T) {
	rows := []struct{ row, reason string }{
		{"Q1,西街村,,承诺件,,3,,,,,,办理中,,,,2024-07-05 09:00", "MISSING_FIELD"},
		{"Q2,西街村,2024-13-45,承诺件,,3,,,,,,办理中,,,,2024-07-05 09:00", "BAD_DATE"},
		{"Q3,不存在村,2024-07-01,承诺件,,3,,,,,,办理中,,,,2024-07-05 09:00", "UNKNOWN_UNIT"},
		{"Q4,西街村,2024-07-01,特办件,,3,,,,,,办理中,,,,2024-07-05 09:00", "UNKNOWN_LABEL"},
		{"Q5,西街村,2024-07-01,承诺件,,五天,,,,,,办理中,,,,2024-07-05 09:00", "BAD_NUMBER"},
		{"Q6,西街村,2024-07-01,承诺件,,3,,,,,2024-07-09 10:00,已办结,已解决,,,2024-07-05 09:00", "FUTURE_DATE"},
		{"Q7,西街村,2024-07-05,承诺件,,3,,,,,2024-07-01 10:00,已办结,已解决,,,2024-07-05 09:00", "CLOSED_BEFORE_RECEIVED"},
		{"Q8,西街村,2024-07-01,,,3,,,,,,办理中,,,,2024-07-05 09:00", "MISSING_FIELD"}, // no class
		// two versions disagreeing on the receipt date: both quarantined
		{"Q9,西街村,2024-07-01,即办件,,,,,,,2024-07-01 10:00,已办结,已解决,,,2024-07-01 10:00", "CONFLICT"},
		{"Q9,西街村,2024-07-02,即办件,,,,,,,2024-07-02 10:00,已办结,已解决,,,2024-07-03 10:00", "CONFLICT"},
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, r.row)
	}
	db := miniDistrict(t, header, lines)
	for i, r := range rows {
		var reason string
		if err := db.QueryRow(`select reason from quarantine where row_no = ?`, i+2).Scan(&reason); err != nil {
			t.Errorf("row %d (%s): not quarantined: %v", i+2, r.reason, err)
			continue
		}
		if reason != r.reason {
			t.Errorf("row %d: reason %s, want %s", i+2, reason, r.reason)
		}
	}
	var n int
	db.QueryRow(`select count(*) from cases`).Scan(&n)
	if n != 0 {
		t.Errorf("%d cases loaded from rows that are all bad", n)
	}
	// an unknown label is named with its field and value
	var detail string
	if err := db.QueryRow(`select detail from quarantine where case_no = 'Q4'`).Scan(&detail); err != nil || !strings.Contains(detail, "category 特办件") {
		t.Errorf("UNKNOWN_LABEL detail %q (%v), want the field and the value named", detail, err)
	}
}

// TestDateOnlyKeepsTime: a newer date-only version (a ledger's) keeps the time an older
// version gave for the same date; a newer version on another date wins outright.
func TestDateOnlyKeepsTime(t *testing.T) {
	db := miniDistrict(t, header, []string{
		"T1,西街村,2024-07-01 09:30,即办件,,,,,,,2024-07-01 16:45,已办结,已解决,,,2024-07-01 17:00",
		"T1,西街村,2024年7月1日,即办件,,,,,,,2024年7月1日,已办结,已解决,满意,,2024-07-03 10:00",
		"T2,西街村,2024-07-01 09:30,承诺件,,3,,,,,2024-07-02 16:45,已办结,已解决,,,2024-07-02 17:00",
		"T2,西街村,2024-07-01,承诺件,,3,,,,,2024-07-03,已办结,已解决,,,2024-07-04 10:00",
	})
	for _, tc := range []struct{ caseNo, received, closed, satisfaction string }{
		{"T1", "2024-07-01 09:30", "2024-07-01 16:45", "满意"},
		{"T2", "2024-07-01 09:30", "2024-07-03 00:00", ""},
	} {
		var received, closed string
		var sat sql.NullString
		if err := db.QueryRow(`select strftime(received_at, '%Y-%m-%d %H:%M'), strftime(closed_at, '%Y-%m-%d %H:%M'), satisfaction
			from cases where case_no = ?`, tc.caseNo).Scan(&received, &closed, &sat); err != nil {
			t.Fatal(err)
		}
		if received != tc.received || closed != tc.closed || sat.String != tc.satisfaction {
			t.Errorf("%s: received %s closed %s satisfaction %q, want %s %s %q", tc.caseNo, received, closed, sat.String, tc.received, tc.closed, tc.satisfaction)
		}
	}
}

// TestDeadlineBeyondCalendar: a deadline in a year the calendar lacks stops the run with
// an error naming the year; it is never guessed.
func TestDeadlineBeyondCalendar(t *testing.T) {
	_, err := loadMini(t, header, []string{
		"Y1,西街村,2026-12-30 09:00,承诺件,,5,,,,,,办理中,,,,2026-12-30 10:00",
	})
	if !errors.Is(err, calendar.ErrYearNotCovered) || !strings.Contains(err.Error(), "2027") || !strings.Contains(err.Error(), "Y1") {
		t.Errorf("err = %v, want ErrYearNotCovered naming 2027 and the case", err)
	}
}

func TestRegisterErrors(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"unknown level":          {"code,name,level,parent,aliases\n1,区,district,,\n2,镇,county,1,\n", `row 3 column level: level "county"`},
		"duplicate code":         {"code,name,level,parent,aliases\n1,区,district,,\n1,镇,township,1,\n", "row 3 column code: code 1 appears twice"},
		"missing parent":         {"code,name,level,parent,aliases\n1,区,district,,\n2,镇,township,9,\n", `row 3 column parent: unit 2 (镇) names parent "9"`},
		"no district":            {"code,name,level,parent,aliases\n2,镇,township,,\n", "0 districts"},
		"wrong header":           {"id,name\n1,区\n", "row 1: no code column among id,name"},
		"village under district": {"code,name,level,parent,aliases\n1,区,district,,\n2,村,village,1,\n", "row 3 column parent: village 2 has a district parent"},
	} {
		path := filepath.Join(t.TempDir(), "units.csv")
		os.WriteFile(path, []byte(tc.body), 0o644)
		_, err := transform.ReadUnits(path, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want it to name %s and say %q", name, err, path, tc.want)
		}
	}
	path := filepath.Join(t.TempDir(), "catalogue.csv")
	os.WriteFile(path, []byte("item,days\n低保申请,十\n"), 0o644)
	if _, err := transform.ReadCatalogue(path, nil); err == nil || !strings.Contains(err.Error(), "row 2 column days") {
		t.Errorf("catalogue: err = %v, want row 2 column days named", err)
	}
}

// TestRegistersAsUsersKeepThem: a register whose columns are named otherwise (and in
// another order, with a column minqing does not read) loads through units_headers and
// catalogue_headers; without them it is refused naming the file, row 1 and the column;
// an error in a row names the file's own column.
func TestRegistersAsUsersKeepThem(t *testing.T) {
	dir := t.TempDir()
	units := filepath.Join(dir, "units.csv")
	os.WriteFile(units, []byte("备注,code,name,level,parent_code,aliases\n,1,和平区,district,,\n,2,青石镇,township,1,青石|青石街道\n"), 0o644)
	cat := filepath.Join(dir, "catalogue.csv")
	os.WriteFile(cat, []byte("limit_days,事项\n3,居住证明\n"), 0o644)
	uh := map[string]string{"parent_code": "parent"}
	ch := map[string]string{"事项": "item", "limit_days": "days"}
	got, err := transform.ReadUnits(units, uh)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Parent != "1" || got[1].Name != "青石镇" || len(got[1].Aliases) != 2 {
		t.Errorf("units = %+v", got)
	}
	items, err := transform.ReadCatalogue(cat, ch)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0] != (transform.CatalogueItem{Item: "居住证明", Days: 3}) {
		t.Errorf("catalogue = %+v", items)
	}
	if _, err := transform.ReadUnits(units, nil); err == nil || !strings.Contains(err.Error(), units+" row 1: no parent column") {
		t.Errorf("unmapped parent_code: err = %v", err)
	}
	if _, err := transform.ReadCatalogue(cat, map[string]string{"时限": "days", "事项": "item"}); err == nil || !strings.Contains(err.Error(), "catalogue_headers.时限 names no column") {
		t.Errorf("a mapped name that is no column: err = %v", err)
	}
	os.WriteFile(cat, []byte("limit_days,事项\n三,居住证明\n"), 0o644)
	if _, err := transform.ReadCatalogue(cat, ch); err == nil || !strings.Contains(err.Error(), cat+" row 2 column limit_days (days)") {
		t.Errorf("bad days: err = %v", err)
	}
}

// TestLabelOverrides: a source's own labels map to canonical values for that source;
// without them the same labels are quarantined UNKNOWN_LABEL.
func TestLabelOverrides(t *testing.T) {
	rows := []string{"L1,西街村,2024-07-01 09:00,特急件,,,,,,,2024-07-01 10:00,已办结,已解决,5,,2024-07-01 10:00"}
	db, err := loadMini(t, header, rows,
		transform.LabelOverride{Source: "test", Field: "category", Label: "特急件", Value: "即办件"},
		transform.LabelOverride{Source: "test", Field: "satisfaction", Label: "5", Value: "满意"},
		transform.LabelOverride{Source: "another", Field: "category", Label: "特急件", Value: "承诺件"})
	if err != nil {
		t.Fatal(err)
	}
	var category, satisfaction string
	if err := db.QueryRow(`select category, satisfaction from cases where case_no = 'L1'`).Scan(&category, &satisfaction); err != nil {
		t.Fatal(err)
	}
	if category != "即办件" || satisfaction != "满意" {
		t.Errorf("category %q satisfaction %q, want 即办件 满意", category, satisfaction)
	}
	plain := miniDistrict(t, header, rows)
	var reason string
	plain.QueryRow(`select reason from quarantine where case_no = 'L1'`).Scan(&reason)
	if reason != "UNKNOWN_LABEL" {
		t.Errorf("without overrides: reason %q, want UNKNOWN_LABEL", reason)
	}
}

func TestCheckLabel(t *testing.T) {
	if err := transform.CheckLabel("satisfaction", "满意"); err != nil {
		t.Error(err)
	}
	if err := transform.CheckLabel("satisfaction", "很好"); err == nil {
		t.Error("a non-canonical value was accepted")
	}
	if err := transform.CheckLabel("colour", "red"); err == nil {
		t.Error("an unknown field was accepted")
	}
}

// TestRulesSettings: the defaults of domain.md are settings, and changing one changes the
// count: 即办件 and 建议件 limits, the response window, the 上报件 limit.
func TestRulesSettings(t *testing.T) {
	const hdr = "诉求编号,承办单位,受理时间,办理类别,服务事项,承诺时限,补正告知日期,补齐日期,上报日期,上级批复日期,办结时间,办理状态,办理结果,满意度,办结期限,首次联系时间,更新时间"
	rows := []string{
		"S1,西街村,2024-07-05 10:00,即办件,,,,,,,2024-07-08 11:00,已办结,已解决,,,2024-07-05 10:30,2024-07-08 11:00",
		"S2,西街村,2024-07-05 10:00,建议件,,,,,,,2024-07-09 11:00,已办结,已解释,,,2024-07-06 11:00,2024-07-09 11:00",
		"S3,青石镇,2024-07-01 09:00,上报件,,,,,2024-07-02,2024-07-05,2024-07-12 09:00,已办结,已解决,,,2024-07-02 08:59,2024-07-12 09:00",
	}
	type got struct {
		s1, s2, s3          string
		resp1, resp2, resp3 bool
	}
	read := func(db *sql.DB) got {
		var g got
		for _, c := range []struct {
			no   string
			d    *string
			resp *bool
		}{{"S1", &g.s1, &g.resp1}, {"S2", &g.s2, &g.resp2}, {"S3", &g.s3, &g.resp3}} {
			if err := db.QueryRow(`select strftime(deadline, '%Y-%m-%d'), responded_in_24h from cases where case_no = ?`, c.no).Scan(c.d, c.resp); err != nil {
				t.Fatalf("case %s: %v", c.no, err)
			}
		}
		return g
	}
	r := transform.DefaultRules()
	def, err := loadMiniRules(t, hdr, rows, r)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := read(def), (got{"2024-07-05", "2024-07-05", "2024-07-10", true, false, true}); g != want {
		t.Errorf("defaults: %+v, want %+v", g, want)
	}
	r.ImmediateDays, r.ReferredDays, r.EscalatedReplyDays, r.ResponseHours = 1, 2, 5, 48
	other, err := loadMiniRules(t, hdr, rows, r)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := read(other), (got{"2024-07-08", "2024-07-09", "2024-07-12", true, true, true}); g != want {
		t.Errorf("immediate 1, referred 2, escalated 5, response 48 h: %+v, want %+v", g, want)
	}
}

// TestRulesValidate: every bad setting is an error naming it.
func TestRulesValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*transform.Rules)
		want string
	}{
		{"partial weight above 1", func(r *transform.Rules) { r.PartialResolutionWeight = 1.5 }, "partial_resolution_weight"},
		{"unknown satisfied label", func(r *transform.Rules) { r.SatisfiedLabels = []string{"很好"} }, "satisfied_labels"},
		{"negative escalated limit", func(r *transform.Rules) { r.EscalatedReplyDays = -1 }, "escalated_reply_days"},
		{"negative immediate limit", func(r *transform.Rules) { r.ImmediateDays = -1 }, "immediate_days"},
		{"negative referred limit", func(r *transform.Rules) { r.ReferredDays = -2 }, "referred_days"},
		{"no response window", func(r *transform.Rules) { r.ResponseHours = 0 }, "response_hours"},
		{"unknown weight", func(r *transform.Rules) { r.ScoreWeights = map[string]float64{"speed": 1} }, "score_weights"},
		{"quarter-end minimum 0", func(r *transform.Rules) { r.QuarterEndMinCases = 0 }, "quarter_end_min_cases"},
		{"quarter-end factor 0", func(r *transform.Rules) { r.QuarterEndFactor = 0 }, "quarter_end_factor"},
		{"export gap 0", func(r *transform.Rules) { r.ExportGapDays = 0 }, "export_gap_days"},
		{"long wait 0", func(r *transform.Rules) { r.LongWaitDays = 0 }, "long_wait_days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := transform.DefaultRules()
			tc.set(&r)
			if err := r.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error naming %s", err, tc.want)
			}
		})
	}
	if err := transform.DefaultRules().Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

// TestWaitingAcrossCutoff: a period that cuts through a waiting time. A 补办件 asked for
// documents on Tue 2024-06-25 that came on 2024-07-10 was waiting at 2024Q2's cutoff
// (Sunday 06-30: five calendar days, three working days); it is in no on-time figure of
// Q2, as explain says, and falls due in Q3, counted from the documents.
func TestWaitingAcrossCutoff(t *testing.T) {
	db := miniDistrict(t, header, []string{
		"W1,西街村,2024-06-25 09:00,补办件,,2,2024-06-25,2024-07-10,,,2024-07-12 10:00,已办结,已解决,,,2024-07-12 10:00",
		"W2,青石镇,2024-06-27 09:00,上报件,,,,,2024-06-28,,,已上报,,,,2024-06-28 09:00",
		"W3,西街村,2024-06-03 09:00,补办件,,2,2024-06-03,2024-06-05,,,2024-06-06 10:00,已办结,已解决,,,2024-06-06 10:00",
	})
	r := transform.NewReader(db)
	ctx := context.Background()
	q2, _ := transform.ParsePeriod("2024Q2")
	q3, _ := transform.ParsePeriod("2024Q3")
	ws, err := r.WaitingCases(ctx, q2, "330199000000")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int{}
	for _, w := range ws {
		got[w.CaseNo] = [2]int{w.Days, w.Workdays}
	}
	// W1: 06-25 → 06-30 is 5 days, working days 06-26, 06-27, 06-28 = 3.
	// W2: 06-28 → 06-30 is 2 days, no working day after Friday 06-28 up to Sunday 06-30.
	want := map[string][2]int{"W1": {5, 3}, "W2": {2, 0}}
	if len(got) != len(want) || got["W1"] != want["W1"] || got["W2"] != want["W2"] {
		t.Errorf("waiting at 2024Q2's cutoff: %v, want %v", got, want)
	}
	if ws, _ := r.WaitingCases(ctx, q3, "330199000000"); len(ws) != 1 || ws[0].CaseNo != "W2" {
		t.Errorf("waiting at 2024Q3's cutoff: %+v, want W2 only", ws)
	}
	e, err := r.Explain(ctx, q2, "330199000000", "due_on_time_rate")
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, c := range e.Cases {
		reasons[c.CaseNo] = c.Excluded
		if c.CaseNo == "W1" && (c.WaitingDays == nil || *c.WaitingDays != 5) {
			t.Errorf("explain W1 waited %v days, want 5", c.WaitingDays)
		}
	}
	if !strings.HasPrefix(reasons["W1"], "待补正材料") || !strings.HasPrefix(reasons["W2"], "待上级批复") {
		t.Errorf("explain due_on_time_rate 2024Q2 reasons: %v", reasons)
	}
	if e.Denominator == nil || *e.Denominator != 1 || e.Value == nil || *e.Value != 1 {
		t.Errorf("due_on_time_rate 2024Q2 = %v / %v, want W3 alone, on time", e.Value, e.Denominator)
	}
	e3, err := r.Explain(ctx, q3, "330199000000", "due_on_time_rate")
	if err != nil {
		t.Fatal(err)
	}
	// W1 is due 2024-07-12 (two working days after 07-10) and closed that day.
	if e3.Denominator == nil || *e3.Denominator != 1 || len(e3.Cases) == 0 || e3.Cases[0].Deadline == nil ||
		e3.Cases[0].Deadline.Format("2006-01-02") != "2024-07-12" {
		t.Errorf("due_on_time_rate 2024Q3: %+v", e3)
	}
}

// TestMissingColumnIsUnknown: a unit whose exports carry no result or satisfaction column
// has resolution_rate, satisfaction_rate and rating_rate unknown ("—"), not 0%, and no
// score; it is listed apart from the ranking with the reason.
func TestMissingColumnIsUnknown(t *testing.T) {
	db := miniDistrict(t, "诉求编号,承办单位,受理时间,办理类别,服务事项,承诺时限,办结时间,办理状态,更新时间", []string{
		"M1,西街村,2024-07-01 09:00,承诺件,,3,2024-07-03 10:00,已办结,2024-07-03 10:00",
		"M2,西街村,2024-07-02 09:00,即办件,,,2024-07-02 10:00,已办结,2024-07-02 10:00",
	})
	values := map[string]*float64{}
	rows, err := db.Query(`select figure_id, value from figure_values where unit_code = '330199001001' and period_id = '2024Q3' and dim = 'all'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v sql.NullFloat64
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		if v.Valid {
			values[id] = &v.Float64
		} else {
			values[id] = nil
		}
	}
	for _, id := range []string{"resolution_rate", "satisfaction_rate", "rating_rate", "response_rate", "score"} {
		if v, ok := values[id]; !ok || v != nil {
			t.Errorf("%s = %v (present %v), want unknown (—)", id, v, ok)
		}
	}
	if v := values["on_time_rate"]; v == nil || *v != 1 {
		t.Errorf("on_time_rate = %v, want 1: the closure columns are there", v)
	}
	u := transform.UnitFigures{Values: values}
	if got := u.UnrankedReason(); !strings.Contains(got, "均无数据") {
		t.Errorf("unranked reason %q, want the score's inputs named as unknown", got)
	}
}
