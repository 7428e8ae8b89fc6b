package hanzi

import "testing"

func TestSimplified(t *testing.T) {
	for in, want := range map[string]string{
		"辦結":      "办结",
		"已辦結":     "已办结",
		"熱線電話":    "热线电话",
		"辦結時間":    "办结时间",
		"滿意":      "满意",
		"上門走訪":    "上门走访",
		"政務大廳窗口":  "政务大厅窗口",
		"一目瞭然":    "一目了然", // a phrase of the phrase dictionary
		"办结":      "办结",   // simplified stays
		"12345熱線": "12345热线",
		"":        "",
		"APP":     "APP",
		"\xff辦":   "\xff办",
	} {
		if got := Simplified(in); got != want {
			t.Errorf("Simplified(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTraditional(t *testing.T) {
	got := Traditional("已办结", 64)
	want := map[string]bool{"已辦結": false, "已辦结": false, "已办結": false}
	for _, f := range got {
		if Simplified(f) != "已办结" {
			t.Errorf("%q does not convert back to 已办结", f)
		}
		if _, ok := want[f]; ok {
			want[f] = true
		}
	}
	for f, seen := range want {
		if !seen {
			t.Errorf("Traditional(已办结) = %q, lacks %q", got, f)
		}
	}
	if got := Traditional("APP", 64); len(got) != 0 {
		t.Errorf("Traditional(APP) = %q, want none", got)
	}
	if got := Traditional("热线电话", 3); len(got) != 3 {
		t.Errorf("limit 3 gave %d forms", len(got))
	}
}
