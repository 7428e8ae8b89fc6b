package transform

import (
	"context"
	"database/sql"
	"io/fs"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/minqing/minqing/store"
)

// FuzzDateParsing drives the SQL date parser (mq_ts in sql/00_macros.sql) with arbitrary
// text in each date order: it must never fail the query; mq_bad_ts must say exactly when
// text is present and refused; a date it accepts must read back the same when written in
// the canonical form; and a date accepted under ymd (the one-argument form's order) must
// read the same under mdy and dmy, since a date order only decides dates whose year
// comes last; and the plain cast that reads the common form (2024-07-03 09:05) must give
// what the general parse gives.
func FuzzDateParsing(f *testing.F) {
	for i, s := range []string{"2024-07-03", "2024/7/3 14:05", "2024.7.3", "2024年7月3日", "20240703", "２０２４年７月３日",
		"45476", "45476.5", "2024-07-03 14:05:00", "2024-13-45", "", "  ", "七月三日", "2024-7-3T09:00:00", "9999999",
		"2024-07-03 09:05:00.123", "2024/7/3 下午3:05", "2024/7/3 3:05 PM", "2024-07-03 10:07:00 AM", "2024-07-03 上午12:30",
		"2024-07-03 12:00 AM", "2024-07-03T09:05:00+08:00", "2024-07-03T09:05:00Z", "2024-07-03T09:05:00.250-05:00",
		"2024-07-03T09:05:00+0800", "10/01/2015 10:07:00 AM", "13/13/2024", "03.07.2024 下午3:05", "07/03/2024T09:05:00Z",
		"2024-09-05 07:53", "2024-02-30 07:53", "2024-01-01 24:00", "2024-01-01 23:60", "0000-01-01", " 2024-07-03 09:05:59 "} {
		for o := range dateOrders {
			f.Add(s, uint8(i+o))
		}
	}
	db := macroDB(f)
	ctx := context.Background()
	// Prepared once: binding the macros costs far more than running them on one value.
	parse, err := db.PrepareContext(ctx, `select mq_ts(?, ?), mq_bad_ts(?, ?), mq_ts(?), mq_ts(?, 'ymd'), mq_ts(?, 'mdy'), mq_ts(?, 'dmy')`)
	if err != nil {
		f.Fatal(err)
	}
	defer parse.Close()
	general, err := db.PrepareContext(ctx, `select mq_ts_general(mq_fold(?), ?)`)
	if err != nil {
		f.Fatal(err)
	}
	defer general.Close()
	reread, err := db.PrepareContext(ctx, `select mq_ts(?, ?)`)
	if err != nil {
		f.Fatal(err)
	}
	defer reread.Close()
	f.Fuzz(func(t *testing.T, s string, o uint8) {
		if !utf8.ValidString(s) {
			return // ingest turns invalid bytes into U+FFFD and marks the row BAD_ENCODING first
		}
		order := dateOrders[int(o)%len(dateOrders)]
		var got, one, ymd, mdy, dmy sql.NullTime
		var bad bool
		if err := parse.QueryRowContext(ctx, s, order, s, order, s, s, s, s).Scan(&got, &bad, &one, &ymd, &mdy, &dmy); err != nil {
			t.Fatalf("mq_ts(%q, %q): %v", s, order, err)
		}
		if got.Valid == bad && strings.TrimSpace(s) != "" {
			t.Errorf("mq_ts(%q, %q) = %v but mq_bad_ts = %v", s, order, got, bad)
		}
		var slow sql.NullTime
		if err := general.QueryRowContext(ctx, s, order).Scan(&slow); err != nil {
			t.Fatalf("mq_ts_general(%q, %q): %v", s, order, err)
		}
		if !sameTS(got, slow) {
			t.Errorf("mq_ts(%q, %q) = %v but the general parse gives %v", s, order, got, slow)
		}
		if !sameTS(one, ymd) {
			t.Errorf("mq_ts(%q) = %v but mq_ts(%[1]q, 'ymd') = %v", s, one, ymd)
		}
		if ymd.Valid && (!sameTS(mdy, ymd) || !sameTS(dmy, ymd)) {
			t.Errorf("mq_ts(%q) = %v under ymd but %v under mdy and %v under dmy", s, ymd, mdy, dmy)
		}
		if !got.Valid {
			return
		}
		canon := got.Time.Format(time.DateTime)
		var again sql.NullTime
		if err := reread.QueryRowContext(ctx, canon, order).Scan(&again); err != nil || !again.Valid || !again.Time.Equal(got.Time.Truncate(time.Second)) {
			t.Errorf("mq_ts(%q, %q) = %s, which reads back as %v (%v)", s, order, canon, again, err)
		}
	})
}

// dateOrders are the date orders a source may declare (ingest.SourceConfig.DateOrder).
var dateOrders = []string{"ymd", "mdy", "dmy"}

// sameTS says whether two nullable timestamps are both NULL or the same instant.
func sameTS(a, b sql.NullTime) bool {
	return a.Valid == b.Valid && (!a.Valid || a.Time.Equal(b.Time))
}

// macroDB is an in-memory store (TimeZone Asia/Shanghai, as every store runs) holding
// the model's macros (sql/00_macros.sql).
func macroDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := store.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	macros, err := fs.ReadFile(modelFS, "sql/00_macros.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(macros)); err != nil {
		t.Fatal(err)
	}
	return db
}
