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
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// TestBreakdownNotFilled: a hotline export with a 来源渠道 column (one cell empty) and a
// village ledger without one. Cases without a channel are the row 未填写, which stands
// where its volume puts it; rows go by 受理量, most first, ties by value; a value with
// cases last quarter and none now comes last; 未填写's 环比 joins last quarter's 未填写;
// and NotFilled names the ledger as the source without the column and the hotline as
// the one that left the cell empty.
func TestBreakdownNotFilled(t *testing.T) {
	hotline := []string{"诉求编号,承办单位,来源渠道,受理时间,办理类别,诉求类型,办理状态",
		"H01,西街村,接待日,2024-06-03 09:00,即办件,道路交通,办理中",
		"H02,西街村,热线,2024-06-04 09:00,即办件,道路交通,办理中",
	}
	for i, ch := range []string{"热线", "热线", "热线", "热线", "热线", "走访", "网站", ""} {
		hotline = append(hotline, fmt.Sprintf("H1%d,西街村,%s,2024-07-%02d 09:00,即办件,道路交通,办理中", i, ch, i+1))
	}
	ledger := []string{"承办单位,受理时间,办理类别,诉求内容,办理状态",
		"西街村,2024-05-06 09:00,即办件,路灯坏了,办理中",
		"西街村,2024-05-07 09:00,即办件,垃圾未清运,办理中",
		"西街村,2024-08-05 09:00,即办件,井盖松动,办理中",
		"西街村,2024-08-06 09:00,即办件,楼道堆物,办理中",
		"西街村,2024-08-07 09:00,即办件,噪声扰民,办理中",
	}
	db, err := testLoad(t, map[string]string{
		"hotline_20240930.csv": strings.Join(hotline, "\n") + "\n",
		"ledger_20240930.csv":  strings.Join(ledger, "\n") + "\n",
	}, []ingest.SourceConfig{
		{Name: "hotline", Kind: "cases", Level: "district", Paths: []string{"hotline_*.csv"}, Encoding: "auto"},
		{Name: "village-ledgers", Kind: "cases", Level: "district", Paths: []string{"ledger_*.csv"}, Encoding: "auto"},
	}, &transform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var quarantined int
	db.QueryRow(`select count(*) from quarantine`).Scan(&quarantined)
	if quarantined != 0 {
		t.Fatalf("%d rows quarantined; every row is a case", quarantined)
	}
	ctx := context.Background()
	r := transform.NewReader(db)
	q3, err := r.Period(ctx, "2024Q3")
	if err != nil {
		t.Fatal(err)
	}
	const district = "330199000000"
	got, err := r.Breakdown(ctx, q3, district, "channel")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		value    string
		received float64
		mom      *float64 // 环比 of 受理量
	}
	f := func(v float64) *float64 { return &v }
	want := []row{
		{"热线", 5, f(4)},            // 1 → 5
		{terms.NotFilled, 4, f(1)}, // 2 (ledger) → 3 (ledger) + 1 (empty cell)
		{"网站", 1, nil},             // ties by value: 网 before 走
		{"走访", 1, nil},
		{"接待日", 0, f(-1)}, // cases last quarter, none now
	}
	var rows []row
	for _, g := range got {
		rows = append(rows, row{g.Value, *g.Values["received"], g.MoM["received"]})
	}
	if len(rows) != len(want) {
		t.Fatalf("channel breakdown %v, want %v", rows, want)
	}
	for i := range want {
		g, w := rows[i], want[i]
		if g.value != w.value || g.received != w.received || (g.mom == nil) != (w.mom == nil) || (g.mom != nil && *g.mom != *w.mom) {
			t.Errorf("row %d: got %s %v 环比 %v, want %s %v 环比 %v", i+1, g.value, g.received, fmtF(g.mom), w.value, w.received, fmtF(w.mom))
		}
	}
	// every reader of the breakdown has the same rows in the same order
	all, err := r.BreakdownAll(ctx, q3, "channel")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all[district], got) {
		t.Errorf("BreakdownAll differs from Breakdown:\n got %v\nwant %v", all[district], got)
	}

	for _, c := range []struct {
		dim  string
		want transform.NotFilled
	}{
		{"channel", transform.NotFilled{NoColumn: 3, NoColumnSources: []string{"village-ledgers"}, EmptyCell: 1, EmptyCellSources: []string{"hotline"}}},
		{"topic", transform.NotFilled{NoColumn: 3, NoColumnSources: []string{"village-ledgers"}}},
	} {
		nf, err := r.NotFilled(ctx, q3, district, c.dim)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(nf, c.want) {
			t.Errorf("NotFilled(%s) = %+v, want %+v", c.dim, nf, c.want)
		}
	}
	if _, err := r.NotFilled(ctx, q3, district, "category"); err == nil {
		t.Error("NotFilled(category): no error; classes have no 未填写 row")
	}

	// A store the models before 未填写 built holds (空) and their reference hash (the
	// models' text is part of it): the next run rebuilds it whole, and (空) is gone.
	for _, stmt := range []string{
		`update unit_figure_parts set dim_value = '(空)' where dim_value = '未填写'`,
		`update unit_figure_days set dim_value = '(空)' where dim_value = '未填写'`,
		`update case_figure_cells set dim_value = '(空)' where dim_value = '未填写'`,
		`update transform_meta set reference_hash = 'the hash of the models before 未填写'`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	dir := t.TempDir()
	o := transform.Options{UnitsFile: filepath.Join(dir, "units.csv"), CatalogueFile: filepath.Join(dir, "catalogue.csv"), Rules: transform.DefaultRules()}
	if err := os.WriteFile(o.UnitsFile, []byte(testRegister), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(o.CatalogueFile, []byte("item,days\n低保申请,10\n居住证明,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := transform.Run(ctx, db, o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Mode != "full" {
		t.Errorf("a store of other models: run %s, want full", sum.Mode)
	}
	var old int
	if err := db.QueryRow(`select count(*) from figure_values where dim_value in ('(空)', '（空）')`).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if old != 0 {
		t.Errorf("%d figures of (空) after the rebuild", old)
	}
	again, err := r.Breakdown(ctx, q3, district, "channel")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, got) {
		t.Errorf("after the rebuild the channel breakdown is\n%v\nnot\n%v", again, got)
	}
}

func fmtF(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprint(*v)
}
