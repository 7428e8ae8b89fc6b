package transform_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/store"
	"github.com/minqing/minqing/transform"
)

// TestVocabularyAsUnitsWriteIt: an export written with traditional headers and labels
// (辦結時間, 辦理狀態, 辦結, 熱線電話) and the channel names units commonly write (上门走访,
// 政务大厅窗口) loads whole; the config's labels for every source apply, a source's own
// win over them, and both are looked up in traditional characters too.
func TestVocabularyAsUnitsWriteIt(t *testing.T) {
	const hdr = "诉求编号,承辦單位,受理時間,办理类别,來源渠道,辦結時間,辦理狀態,辦理結果,滿意度"
	rows := []string{
		"V1,西街村,2024-07-01 09:00,即辦件,熱線電話,2024-07-01 10:00,辦結,已解決,滿意",
		"V2,西街村,2024-07-01 09:00,即办件,上门走访,2024-07-01 10:00,已辦結,已解决,非常滿意",
		"V3,西街村,2024-07-01 09:00,即办件,政务大厅窗口,2024-07-01 10:00,已办结,已解决,满意",
		"V4,西街村,2024-07-01 09:00,即办件,12345熱線,2024-07-01 10:00,已办结,已解决,五星",
		"V5,西街村,2024-07-01 09:00,特急件,微信,2024-07-01 10:00,已办结,已解决,四星",
		"V6,西街村,2024-07-01 09:00,即办件,熱線電話,2024-07-01 10:00,已办结,已解决,三星",
	}
	db, err := loadMini(t, hdr, rows,
		// for every source: 五星 and 四星 (written here in simplified, met in traditional too)
		transform.LabelOverride{Field: "satisfaction", Label: "五星", Value: "满意"},
		transform.LabelOverride{Field: "satisfaction", Label: "四星", Value: "满意"},
		transform.LabelOverride{Field: "satisfaction", Label: "三星", Value: "基本满意"},
		transform.LabelOverride{Field: "category", Label: "特急件", Value: "即办件"},
		// this source's own wins over the shared 三星
		transform.LabelOverride{Source: "test", Field: "satisfaction", Label: "三星", Value: "不满意"},
	)
	if err != nil {
		t.Fatal(err)
	}
	var quarantined int
	if err := db.QueryRow(`select count(*) from quarantine`).Scan(&quarantined); err != nil {
		t.Fatal(err)
	}
	if quarantined != 0 {
		r, _ := db.Query(`select case_no, reason from quarantine`)
		for r.Next() {
			var no, reason string
			r.Scan(&no, &reason)
			t.Errorf("%s quarantined %s", no, reason)
		}
	}
	want := map[string][3]string{
		"V1": {"热线", "已办结", "满意"},
		"V2": {"走访", "已办结", "满意"},
		"V3": {"窗口", "已办结", "满意"},
		"V4": {"热线", "已办结", "满意"},
		"V5": {"移动端", "已办结", "满意"},
		"V6": {"热线", "已办结", "不满意"},
	}
	for no, w := range want {
		var got [3]string
		if err := db.QueryRow(`select channel, status, satisfaction from cases where case_no = ?`, no).Scan(&got[0], &got[1], &got[2]); err != nil {
			t.Errorf("%s: %v", no, err)
			continue
		}
		if got != w {
			t.Errorf("%s: channel, status, satisfaction = %q, want %q", no, got, w)
		}
	}
}

func TestKnownLabel(t *testing.T) {
	shared := map[string]map[string]string{"channel": {"市民热线": "热线"}}
	own := map[string]map[string]string{"channel": {"市民热线": "移动端"}}
	for _, tc := range []struct {
		field, label, want string
		extra              []map[string]map[string]string
	}{
		{"channel", "12345热线", "热线", nil},
		{"channel", "熱線電話", "热线", nil},
		{"status", "辦結", "已办结", nil},
		{"category", "即辦件", "即办件", nil},
		{"channel", "市民熱線", "热线", []map[string]map[string]string{shared}},
		{"channel", "市民热线", "移动端", []map[string]map[string]string{shared, own}},
		{"topic", "占道经营", "占道经营", nil}, // topic is open
	} {
		got, err := transform.KnownLabel(tc.field, tc.label, tc.extra...)
		if err != nil || got != tc.want {
			t.Errorf("KnownLabel(%s, %s) = %q, %v; want %q", tc.field, tc.label, got, err, tc.want)
		}
	}
	for _, tc := range [][2]string{{"channel", "飞鸽传书"}, {"colour", "red"}, {"category", "市民热线"}} {
		if got, err := transform.KnownLabel(tc[0], tc[1]); err == nil {
			t.Errorf("KnownLabel(%s, %s) = %q, want an error", tc[0], tc[1], got)
		}
	}
}

// TestDefaults: a source's defaults fill a field for every row that has none (no such
// column: channel; an empty cell: category), never a value the row has, and each file
// states which defaults it took and for how many rows, whether the rows reach the store
// through read_csv or (keeping personal data) the Appender.
func TestDefaults(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprint("keep_personal_data=", keep), func(t *testing.T) { testDefaults(t, keep) })
	}
}

func testDefaults(t *testing.T, keep bool) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("units.csv", "code,name,level,parent,aliases\n330199000000,和平区,district,,\n330199001000,青石镇,township,330199000000,\n330199001001,西街村,village,330199001000,西街\n")
	write("hotline_20241231.csv", "诉求编号,承办单位,受理时间,办理类别,办结时间,办理状态\n"+
		"D1,西街村,2024-07-01 09:00,,2024-07-01 10:00,已办结\n"+
		"D2,西街村,2024-07-01 09:00,承诺件,,办理中\n"+
		"D3,西街村,2024-07-01 09:00, ,2024-07-01 10:00,已办结\n")
	ctx := context.Background()
	db, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keyer, _ := privacy.NewKeyer([]byte(strings.Repeat("k", 32)))
	res, err := ingest.Run(ctx, db, ingest.Options{
		Sources: []ingest.SourceConfig{{Name: "hotline", Kind: "cases", Level: "district", Paths: []string{"hotline_*.csv"}, Encoding: "auto",
			Defaults: map[string]string{"channel": "12345熱線", "category": "即办件", "item": "居住证明"}}},
		BaseDir: dir, Keyer: keyer, KeepPersonalData: keep,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Err != nil {
		t.Fatalf("loading: %+v", res)
	}
	if want := map[bool]string{false: "read_csv", true: "appender"}[keep]; res[0].Loader != want {
		t.Errorf("loaded through %s, want %s", res[0].Loader, want)
	}
	if _, err := transform.Run(ctx, db, transform.Options{UnitsFile: filepath.Join(dir, "units.csv"), Rules: transform.DefaultRules()}); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{"D1": {"热线", "即办件"}, "D2": {"热线", "承诺件"}, "D3": {"热线", "即办件"}}
	for no, w := range want {
		var got [2]string
		if err := db.QueryRow(`select channel, category from cases where case_no = ?`, no).Scan(&got[0], &got[1]); err != nil {
			t.Errorf("%s: %v", no, err)
			continue
		}
		if got != w {
			t.Errorf("%s: channel, category = %q, want %q", no, got, w)
		}
	}
	accts, err := transform.NewReader(db).Accounting(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantDefaults := []transform.AppliedDefault{{"category", "即办件", 2}, {"channel", "12345熱線", 3}, {"item", "居住证明", 3}}
	if len(accts) != 1 || !reflect.DeepEqual(accts[0].Defaults, wantDefaults) {
		t.Errorf("accounting defaults = %+v, want %+v", accts, wantDefaults)
	}
}
