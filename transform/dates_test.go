package transform_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/store"
	"github.com/minqing/minqing/transform"
)

// TestDateForms reads every form of date exports carry (domain.md, "What exports really
// look like") through the models' mq_ts, as local time (Asia/Shanghai); want "" means the
// text is refused (NULL, and mq_bad_ts true). The table runs with the session at
// Asia/Shanghai, as every store runs, and at New York: a zone is converted to Shanghai
// whatever the session's.
func TestDateForms(t *testing.T) {
	tests := []struct {
		name, in, order, want string // order "" calls the one-argument mq_ts (ymd)
	}{
		// dates, year first: the same in every date order
		{"iso date", "2024-07-03", "", "2024-07-03 00:00:00"},
		{"slashes", "2024/7/3", "", "2024-07-03 00:00:00"},
		{"dots", "2024.7.3", "", "2024-07-03 00:00:00"},
		{"chinese", "2024年7月3日", "", "2024-07-03 00:00:00"},
		{"chinese without 日", "2024年7月3", "", "2024-07-03 00:00:00"},
		{"chinese with spaces", "2024 年 7 月 3 日", "", "2024-07-03 00:00:00"},
		{"eight digits", "20240703", "", "2024-07-03 00:00:00"},
		{"full-width digits", "２０２４年７月３日", "", "2024-07-03 00:00:00"},
		{"full-width date and time", "２０２４－０７－０３　０９：０５", "", "2024-07-03 09:05:00"},
		{"excel serial", "45476", "", "2024-07-03 00:00:00"},
		{"excel serial with a time", "45476.5", "", "2024-07-03 12:00:00"},
		{"surrounding blanks", "  2024-07-03 09:05  ", "", "2024-07-03 09:05:00"},
		{"leap day", "2024-02-29", "", "2024-02-29 00:00:00"},
		{"year first under mdy", "2024/7/3", "mdy", "2024-07-03 00:00:00"},
		{"year first under dmy", "2024-07-03 09:05", "dmy", "2024-07-03 09:05:00"},
		{"eight digits under dmy", "20240703", "dmy", "2024-07-03 00:00:00"},
		// clock times
		{"hours and minutes", "2024-07-03 09:05", "", "2024-07-03 09:05:00"},
		{"one-digit hour", "2024/7/3 9:05", "", "2024-07-03 09:05:00"},
		{"seconds", "2024-07-03 09:05:00", "", "2024-07-03 09:05:00"},
		{"fractional seconds", "2024-07-03 09:05:00.123", "", "2024-07-03 09:05:00.123"},
		{"fractional seconds after dots", "2024.7.3 09:05:00.5", "", "2024-07-03 09:05:00.5"},
		{"nanoseconds kept to microseconds", "2024-07-03 09:05:00.123456789", "", "2024-07-03 09:05:00.123456"},
		{"T", "2024-07-03T09:05:00", "", "2024-07-03 09:05:00"},
		{"T, one-digit month", "2024-7-3T09:00:00", "", "2024-07-03 09:00:00"},
		{"T with fraction", "2024-07-03T09:05:00.250", "", "2024-07-03 09:05:00.25"},
		{"chinese date and time", "2024年7月3日 14:05", "", "2024-07-03 14:05:00"},
		// 12-hour clocks
		{"下午", "2024/7/3 下午3:05", "", "2024-07-03 15:05:00"},
		{"下午 without a space", "2024年7月3日下午3:05", "", "2024-07-03 15:05:00"},
		{"上午", "2024-07-03 上午9:05:30", "", "2024-07-03 09:05:30"},
		{"上午12:30 is after midnight", "2024-07-03 上午12:30", "", "2024-07-03 00:30:00"},
		{"下午12:30 is after noon", "2024-07-03 下午12:30", "", "2024-07-03 12:30:00"},
		{"PM", "2024/7/3 3:05 PM", "", "2024-07-03 15:05:00"},
		{"pm", "2024/7/3 3:05pm", "", "2024-07-03 15:05:00"},
		{"AM with seconds", "2024-07-03 10:07:00 AM", "", "2024-07-03 10:07:00"},
		{"12:00 AM is midnight", "2024-07-03 12:00 AM", "", "2024-07-03 00:00:00"},
		{"12:00 PM is noon", "2024-07-03 12:00 PM", "", "2024-07-03 12:00:00"},
		{"12:30:15 AM", "2024-07-03 12:30:15 AM", "", "2024-07-03 00:30:15"},
		{"11:59 PM", "2024-07-03 11:59 PM", "", "2024-07-03 23:59:00"},
		{"PM with fraction", "2024-07-03 3:05:00.5 PM", "", "2024-07-03 15:05:00.5"},
		// zones: converted to Asia/Shanghai
		{"+08:00 stays", "2024-07-03T09:05:00+08:00", "", "2024-07-03 09:05:00"},
		{"+0800 stays", "2024-07-03T09:05:00+0800", "", "2024-07-03 09:05:00"},
		{"+08 stays", "2024-07-03 09:05:00+08", "", "2024-07-03 09:05:00"},
		{"Z is eight hours earlier", "2024-07-03T09:05:00Z", "", "2024-07-03 17:05:00"},
		{"Z across midnight", "2024-07-03T20:00:00Z", "", "2024-07-04 04:00:00"},
		{"-05:00", "2024-07-03T09:05:00-05:00", "", "2024-07-03 22:05:00"},
		{"+05:30", "2024-07-03T09:05:00+05:30", "", "2024-07-03 11:35:00"},
		{"space before the zone", "2024-07-03 09:05:00 +00:00", "", "2024-07-03 17:05:00"},
		{"fraction and Z", "2024-07-03T09:05:00.250Z", "", "2024-07-03 17:05:00.25"},
		{"minutes and Z", "2024-07-03T09:05Z", "", "2024-07-03 17:05:00"},
		{"PM and a zone", "2024-07-03 3:05 PM +00:00", "", "2024-07-03 23:05:00"},
		{"Z under Shanghai's 1988 summer time", "1988-07-03T09:05:00Z", "", "1988-07-03 18:05:00"},
		// year last: the source's date order decides, and ymd refuses
		{"mdy", "10/01/2015 10:07:00 AM", "mdy", "2015-10-01 10:07:00"},
		{"dmy", "10/01/2015 10:07:00 AM", "dmy", "2015-01-10 10:07:00"},
		{"year last under ymd", "10/01/2015 10:07:00 AM", "ymd", ""},
		{"year last, one-argument form", "10/01/2015 10:07:00 AM", "", ""},
		{"mdy without a time", "12/31/2024", "mdy", "2024-12-31 00:00:00"},
		{"dmy with dots", "03.07.2024", "dmy", "2024-07-03 00:00:00"},
		{"dmy with dashes and 下午", "03-07-2024 下午3:05", "dmy", "2024-07-03 15:05:00"},
		{"mdy with T and Z", "07/03/2024T09:05:00Z", "mdy", "2024-07-03 17:05:00"},
		{"13/13/2024 in mdy", "13/13/2024", "mdy", ""},
		{"31/12/2024 in mdy", "31/12/2024", "mdy", ""},
		{"12/31/2024 in dmy", "12/31/2024", "dmy", ""},
		{"two-digit year", "7/3/24", "mdy", ""},
		// refused
		{"month 13", "2024-13-45", "", ""},
		{"30 February", "2024-02-30", "", ""},
		{"29 February 2023", "2023-02-29", "", ""},
		{"hour 24", "2024-07-03 24:00", "", ""},
		{"minute 60", "2024-07-03 09:60", "", ""},
		{"second 60", "2024-07-03 09:05:60", "", ""},
		{"13 PM", "2024-07-03 13:05 PM", "", ""},
		{"0 AM", "2024-07-03 0:30 AM", "", ""},
		{"下午13:05", "2024-07-03 下午13:05", "", ""},
		{"两种上下午", "2024-07-03 下午3:05 PM", "", ""},
		{"T without a time", "2024-07-03T", "", ""},
		{"zone without a time", "2024-07-03-05:00", "", ""},
		{"words", "七月三日", "", ""},
		{"trailing text", "2024-07-03 09:05 左右", "", ""},
		{"seven digits", "2024073", "", ""},
	}
	db := dateOrderStore(t) // any store the models ran in holds the macros
	db.SetMaxOpenConns(1)   // so that the TimeZone set below holds for every query
	for _, zone := range []string{"Asia/Shanghai", "America/New_York"} {
		var session string
		if _, err := db.Exec(`set TimeZone = '` + zone + `'`); err != nil {
			t.Fatal(err)
		} else if err := db.QueryRow(`select current_setting('TimeZone')`).Scan(&session); err != nil || session != zone {
			t.Fatalf("session TimeZone %q (%v), want %s", session, err, zone)
		}
		for _, tc := range tests {
			t.Run(zone+"/"+tc.name, func(t *testing.T) {
				q, args := `select mq_ts(?), mq_bad_ts(?)`, []any{tc.in, tc.in}
				if tc.order != "" {
					q, args = `select mq_ts(?, ?), mq_bad_ts(?, ?)`, []any{tc.in, tc.order, tc.in, tc.order}
				}
				var got sql.NullTime
				var bad bool
				if err := db.QueryRow(q, args...).Scan(&got, &bad); err != nil {
					t.Fatal(err)
				}
				switch {
				case tc.want == "" && (got.Valid || !bad):
					t.Errorf("mq_ts(%q, %q) = %v, mq_bad_ts = %v; want refused", tc.in, tc.order, got.Time, bad)
				case tc.want != "" && !got.Valid:
					t.Errorf("mq_ts(%q, %q) = NULL, want %s", tc.in, tc.order, tc.want)
				case tc.want != "":
					want, err := time.Parse("2006-01-02 15:04:05.999999", tc.want)
					if err != nil {
						t.Fatal(err)
					}
					if !got.Time.Equal(want) {
						t.Errorf("mq_ts(%q, %q) = %s, want %s", tc.in, tc.order, got.Time.Format("2006-01-02 15:04:05.999999"), tc.want)
					}
					if bad {
						t.Errorf("mq_bad_ts(%q, %q) = true for a date that parses", tc.in, tc.order)
					}
				}
			})
		}
	}
	// Empty text is no date, and no bad one either.
	for _, in := range []any{nil, "", "  ", "　"} {
		var got sql.NullTime
		var bad bool
		if err := db.QueryRow(`select mq_ts(?, 'mdy'), mq_bad_ts(?, 'mdy')`, in, in).Scan(&got, &bad); err != nil {
			t.Fatal(err)
		}
		if got.Valid || bad {
			t.Errorf("empty %q: mq_ts = %v, mq_bad_ts = %v; want NULL and false", in, got, bad)
		}
	}
}

// TestDateOrderSource: a source's date_order reaches the file register and the staging
// models: the same US-ordered export loads under date_order: mdy and is quarantined
// BAD_DATE under the default, never guessed; zones convert on the way in.
func TestDateOrderSource(t *testing.T) {
	db := dateOrderStore(t)
	var orders string
	if err := db.QueryRow(`select string_agg(source || '=' || date_order, ' ' order by source) from ingest_files`).Scan(&orders); err != nil {
		t.Fatal(err)
	}
	if orders != "cn=ymd us=mdy" {
		t.Errorf("ingest_files date orders %q, want cn=ymd us=mdy", orders)
	}
	for _, tc := range []struct{ caseNo, received, reason string }{
		{"U1", "2015-10-01 10:07:00", ""},
		{"U2", "2015-10-01 10:07:00", ""},
		{"C1", "", "BAD_DATE"},
		{"C2", "2015-10-01 15:05:00", ""},
	} {
		var received, reason sql.NullString
		if err := db.QueryRow(`select strftime(received_at, '%Y-%m-%d %H:%M:%S'), reason from stg_cases where case_no = ?`, tc.caseNo).
			Scan(&received, &reason); err != nil {
			t.Fatalf("%s: %v", tc.caseNo, err)
		}
		if received.String != tc.received || reason.String != tc.reason {
			t.Errorf("%s: received_at %q, reason %q; want %q, %q", tc.caseNo, received.String, reason.String, tc.received, tc.reason)
		}
	}
}

// dateOrderStore loads one US-ordered export under date_order: mdy (source us) and one
// Chinese export under the default (source cn) into a fresh store, and transforms them.
func dateOrderStore(t *testing.T) *sql.DB {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("units.csv", "code,name,level,parent,aliases\n330199000000,和平区,district,,\n"+
		"330199001000,青石镇,township,330199000000,\n330199001001,西街村,village,330199001000,\n")
	write("catalogue.csv", "item,days\n居住证明,3\n")
	const head = "诉求编号,承办单位,受理时间,办理类别,办理状态,更新时间\n"
	write("us/cases_20151031.csv", head+
		"U1,西街村,10/01/2015 10:07:00 AM,即办件,办理中,10/02/2015 3:00 PM\n"+
		"U2,西街村,2015-10-01T02:07:00Z,即办件,办理中,10/30/2015 9:00 AM\n")
	write("cn/cases_20151031.csv", head+
		"C1,西街村,10/01/2015 10:07:00 AM,即办件,办理中,2015-10-02 15:00\n"+
		"C2,西街村,2015年10月1日 下午3:05,即办件,办理中,2015-10-02 15:00\n")
	ctx := context.Background()
	db, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keyer, _ := privacy.NewKeyer([]byte(strings.Repeat("k", 32)))
	res, err := ingest.Run(ctx, db, ingest.Options{Sources: []ingest.SourceConfig{
		{Name: "us", Kind: "cases", Level: "district", Paths: []string{"us/*.csv"}, Encoding: "auto", DateOrder: "mdy"},
		{Name: "cn", Kind: "cases", Level: "district", Paths: []string{"cn/*.csv"}, Encoding: "auto"},
	}, BaseDir: dir, Keyer: keyer})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if _, err := transform.Run(ctx, db, transform.Options{UnitsFile: filepath.Join(dir, "units.csv"), CatalogueFile: filepath.Join(dir, "catalogue.csv"),
		Rules: transform.DefaultRules()}); err != nil {
		t.Fatal(err)
	}
	return db
}
