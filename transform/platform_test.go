package transform_test

import (
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// loadPlatform loads one platform-style export (source "platform", topic levels split by
// "/") into a fresh store and transforms it.
func loadPlatform(t *testing.T, header string, rows []string) *sql.DB {
	t.Helper()
	db, err := testLoad(t, map[string]string{"platform_20240930.csv": header + "\n" + strings.Join(rows, "\n") + "\n"},
		[]ingest.SourceConfig{{Name: "platform", Kind: "cases", Level: "district", Paths: []string{"platform_*.csv"}, Encoding: "auto", TopicSeparator: "/"}},
		&transform.Options{TopicSeparators: map[string]string{"platform": "/"}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func figure(t *testing.T, db *sql.DB, dim, value, id string) *float64 {
	t.Helper()
	var v sql.NullFloat64
	err := db.QueryRow(`select value from figure_values where unit_code = '330199000000' and period_id = '2024Q3'
		and dim = ? and dim_value = ? and figure_id = ?`, dim, value, id).Scan(&v)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if !v.Valid {
		return nil
	}
	return &v.Float64
}

// TestPlatformExport: a platform export with no closing date, the platform's own verdict
// as the result, and a three-level event type (domain.md, revised): every row is a case;
// 已办结 without a date is closed (close_rate) but not in `closed`; the verdict is
// stated_on_time_rate, apart from on_time_rate; each topic level is a breakdown; a topic
// the vocabulary does not know is kept as written.
func TestPlatformExport(t *testing.T) {
	db := loadPlatform(t, "诉求编号,承办单位,来源渠道,受理时间,办理类别,事件类型,处置单位,办理状态,办理结果", []string{
		"P1,西街村,热线,2024-07-01 09:00,即办件,城市管理/市容环境/占道经营,城管执法中队,已办结,按期办结",
		"P2,西街村,热线,2024-07-02 09:00,即办件,城市管理/市容环境/乱堆乱放,城管执法中队,已办结,逾期办结",
		"P3,西街村,热线,2024-07-03 09:00,即办件,城市管理/园林绿化/树木修剪,园林所,办理中,",
		"P4,西街村,热线,2024-07-04 09:00,即办件,社会治理/邻里纠纷,,已办结,按期办结",
	})
	var quarantined int
	db.QueryRow(`select count(*) from quarantine`).Scan(&quarantined)
	if quarantined != 0 {
		var detail string
		db.QueryRow(`select reason || ' ' || detail from quarantine limit 1`).Scan(&detail)
		t.Fatalf("%d rows quarantined (%s); every row is a case", quarantined, detail)
	}
	want := []struct {
		dim, value, id string
		v              float64 // -1: unknown (—)
	}{
		{"all", "", "received", 4},
		{"all", "", "closed", 0},        // no closure dates
		{"all", "", "close_rate", 0.75}, // P1, P2, P4 shown closed by the export of 09-30, on the cutoff
		{"all", "", "on_time_rate", -1}, // needs closure dates
		{"all", "", "overdue_open", 1},  // P3 only: a case closed without a date is never overdue
		{"all", "", "stated_on_time_rate", 2.0 / 3},
		{"all", "", "resolution_rate", -1}, // the result column holds only verdicts
		{"topic_l1", "城市管理", "received", 3},
		{"topic_l1", "社会治理", "received", 1},
		{"topic_l2", "城市管理/市容环境", "received", 2},
		{"topic_l2", "城市管理/园林绿化", "received", 1},
		{"topic", "城市管理/市容环境/占道经营", "received", 1},
		{"topic", "社会治理/邻里纠纷", "received", 1},
		{"department", "城管执法中队", "received", 2},
		{"department", "园林所", "received", 1},
	}
	for _, w := range want {
		got := figure(t, db, w.dim, w.value, w.id)
		switch {
		case w.v < 0 && got != nil:
			t.Errorf("%s %s %s = %v, want —", w.dim, w.value, w.id, *got)
		case w.v >= 0 && (got == nil || *got != w.v):
			g := "—"
			if got != nil {
				g = strconv.FormatFloat(*got, 'g', -1, 64)
			}
			t.Errorf("%s %s %s = %s, want %v", w.dim, w.value, w.id, g, w.v)
		}
	}
	// a case without a department is in no department's row
	if got := figure(t, db, "department", terms.NotFilled, "received"); got != nil {
		t.Errorf("department %s = %v, want no row", terms.NotFilled, *got)
	}
	// a topic of two levels has no second upper level
	if got := figure(t, db, "topic_l2", "社会治理/邻里纠纷", "received"); got != nil {
		t.Errorf("topic_l2 lists a two-level topic: %v", *got)
	}
	var flags int
	db.QueryRow(`select count(*) from audit_flags where flag = 'CLOSED_WITHOUT_DATE'`).Scan(&flags)
	if flags != 3 {
		t.Errorf("%d CLOSED_WITHOUT_DATE flags, want 3", flags)
	}
}
