package dashboards

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/transform"
)

// submittingSource is treeSource that also says who reported: 西街村 sent nothing (its
// rows are on the platform alone), the townships and 东岭村 sent their own exports, the
// district is not judged.
type submittingSource struct{ treeSource }

func (s submittingSource) Submissions(context.Context, transform.Period) ([]transform.UnitSubmissions, error) {
	last := time.Date(2024, 7, 10, 0, 0, 0, 0, shanghai)
	platform := transform.SourceSubmission{Source: "district-platform", Files: 2, Rows: 31, NewestRows: 30}
	var out []transform.UnitSubmissions
	for _, u := range s.units() {
		us := transform.UnitSubmissions{Unit: u, Expected: u.Level != "district",
			Sources: []transform.SourceSubmission{platform}}
		if u.Code == "330199001001" {
			us.Silent, us.LastOwn = true, &last
		} else if us.Expected {
			us.Sources = append([]transform.SourceSubmission{{Source: "own-exports", Own: true, Files: 1, Rows: 5}}, us.Sources...)
		}
		out = append(out, us)
	}
	return out, nil
}

// TestSubmissionsPanel: the district's and each township's page carry 报送情况 with the
// units below them that sent nothing highlighted; a page of a unit that sent nothing says
// so above its figures; a source that cannot tell shows no panel.
func TestSubmissionsPanel(t *testing.T) {
	ctx := context.Background()
	src := submittingSource{treeSource{name: "青石镇"}}
	p := quarter(2024, 3)
	for _, c := range []struct {
		name, unit string
		want       []string
		absent     []string
	}{
		{"district", "", []string{`<section class="panel wide" id="submissions">`, "已报送 <b>3</b> 个单位",
			`未报送 1</b> 个单位，不作判断 1 个`,
			`<tr class="not-submitted" style="background:#fdecea"><td><b>西街村</b></td><td>青石镇</td><td><b style="color:var(--brand)">未报送</b></td><td>2024-07-10</td><td>district-platform（31行）</td></tr>`},
			[]string{`id="self-not-submitted"`}},
		{"township with a silent village", "330199001000", []string{"已报送 <b>1</b> 个单位", `未报送 1</b>`, "<td><b>西街村</b></td>"},
			[]string{`id="self-not-submitted"`, "个单位，不作判断"}},
		{"township without", "330199002000", []string{"已报送 <b>2</b> 个单位", `未报送 0</b>`},
			[]string{"西街村", `class="not-submitted"`, `id="self-not-submitted"`}},
		{"the silent village", "330199001001", []string{`<div class="warning" id="self-not-submitted"><b>本单位本期未报送</b>`, "<td><b>西街村</b></td>"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, err := Build(ctx, src, p, c.unit, BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			page := render(t, in, "/static/")
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			for _, w := range c.absent {
				if strings.Contains(page, w) {
					t.Errorf("page has %s", w)
				}
			}
		})
	}
	// BuildAll gives every page the same panel Build does.
	pages, err := BuildAll(ctx, src, p, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pg := range pages {
		one, err := Build(ctx, src, p, pg.Detail.Scope.Code, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := submissionsPanelFor(pg), submissionsPanelFor(one); a == nil || a.Reported != b.Reported || a.Silent != b.Silent || len(a.Rows) != len(b.Rows) {
			t.Errorf("%s: BuildAll's panel %+v, Build's %+v", pg.Detail.Scope.Code, a, b)
		}
	}
	// A period not over in the data: units may not have sent yet.
	notOver := Input{District: pages[0].District, Period: p, DataThrough: p.End.AddDate(0, 0, -20), Submissions: pages[0].Submissions}
	if sp := submissionsPanelFor(notOver); sp == nil || !strings.Contains(sp.NotOver, "本期尚未结束：单位可能尚未报送") {
		t.Errorf("a period not over: panel %+v", sp)
	}
	in, err := Build(ctx, treeSource{name: "青石镇"}, p, "", BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if page := render(t, in, "/static/"); strings.Contains(page, `id="submissions"`) {
		t.Error("a source that cannot tell who reported shows the panel")
	}
}
