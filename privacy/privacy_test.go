package privacy

import (
	"strings"
	"testing"
)

func TestMasks(t *testing.T) {
	for _, tc := range []struct{ name, got, want string }{
		{"name two chars", MaskName("张三"), "张*"},
		{"name one char", MaskName("张"), "张*"},
		{"name four chars", MaskName("欧阳娜娜"), "欧***"},
		{"mobile", MaskPhone("13812345678"), "138****5678"},
		{"mobile with +86", MaskPhone("+86 138-1234-5678"), "138****5678"},
		{"full-width mobile", MaskPhone("１３８１２３４５６７８"), "138****5678"},
		{"landline", MaskPhone("0571-88886666"), "********6666"},
		{"id", MaskID("320823199001011234"), "3208**********1234"},
		{"id with X", MaskID("32082319900101123x"), "3208**********123X"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestScrub(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"请联系13812345678处理", "请联系138****5678处理"},
		{"电话：１３８１２３４５６７８", "电话：138****5678"},
		{"身份证320823199001011234，电话13812345678", "身份证3208**********1234，电话138****5678"},
		{"座机0571-88886666", "座机********6666"},
		{"门牌号12号，面积120平方米", "门牌号12号，面积120平方米"},
		{"", ""},
	} {
		if got := Scrub(tc.in); got != tc.want {
			t.Errorf("Scrub(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIdentity(t *testing.T) {
	k, err := NewKeyer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	a := k.Identity("张三", "138 1234 5678")
	b := k.Identity(" 张三", "１３８１２３４５６７８")
	if a == "" || a != b {
		t.Errorf("same citizen hashed differently: %q vs %q", a, b)
	}
	if a == k.Identity("张三", "13812345679") {
		t.Error("different phones hashed alike")
	}
	if strings.Contains(a, "138") {
		t.Error("hash shows the phone")
	}
	if k.Identity("", "") != "" {
		t.Error("empty identity must hash to empty")
	}
	other, _ := NewKeyer([]byte(strings.Repeat("j", 32)))
	if other.Identity("张三", "13812345678") == a {
		t.Error("hash does not depend on the key")
	}
}

func FuzzScrub(f *testing.F) {
	for _, s := range []string{"请联系13812345678", "320823199001011234", "０５７１－８８８８６６６６"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Scrub(s)
		if mobileRE.MatchString(out) && strings.Count(out, "*") == 0 {
			t.Errorf("Scrub(%q) left a phone number: %q", s, out)
		}
	})
}
