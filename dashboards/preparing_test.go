package dashboards

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/minqing/minqing/transform"
)

// TestWritePreparing: the page shown while a unit's page is built has the page's title
// and header, reloads itself, links the units above on a served page, and keeps names as
// text.
func TestWritePreparing(t *testing.T) {
	d := transform.Unit{Code: "330199000000", Name: "和平区", Level: "district"}
	tw := transform.Unit{Code: "330199001000", Name: "青石镇", Level: "township", Parent: d.Code}
	for _, name := range append(hostileNames, "西街村") {
		v := transform.Unit{Code: "330199001001", Name: name, Level: "village", Parent: tw.Code}
		var b bytes.Buffer
		err := WritePreparing(&b, Preparing{District: d, Path: []transform.Unit{d, tw}, Scope: v, Period: quarter(2024, 3), Refresh: 3,
			Nav: &Nav{UnitHref: func(c string) string { return "/u/" + c }, User: "lead", Role: "leader", LogoutAction: "/logout", CSRF: "tok"}})
		if err != nil {
			t.Fatal(err)
		}
		page := b.String()
		for _, want := range []string{`<meta http-equiv="refresh" content="3">`, `href="/u/330199001000">青石镇</a>`, `name="csrf" value="tok"`, "正在准备中"} {
			if !strings.Contains(page, want) {
				t.Errorf("%q: the page lacks %q", name, want)
			}
		}
		if want := "<title>" + "和平区 青石镇 " + name + " 2024年第三季度 民情工作看板</title>"; !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("%q: the title is not %q", name, want)
		}
		if n := strings.Count(strings.ToLower(page), "<script"); n != 0 {
			t.Errorf("%q: %d <script tags", name, n)
		}
	}
	var b bytes.Buffer
	if err := WritePreparing(&b, Preparing{District: d, Scope: d, Period: quarter(2024, 3)}); err != nil {
		t.Fatal(err)
	}
	if page := b.String(); !strings.Contains(page, "<h1>和平区 2024年第三季度 民情工作看板</h1>") || strings.Contains(page, "退出") {
		t.Errorf("the district's page being prepared, without a server's links:\n%s", page)
	}
	if err := WritePreparing(&b, Preparing{Scope: d, Period: quarter(2024, 3)}); err == nil {
		t.Error("a district without a name: no error")
	}
}
