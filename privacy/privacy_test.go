package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/width"
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

// slowNormalizeName is normalizeName without its fast path.
func slowNormalizeName(s string) string {
	s = width.Narrow.String(width.Fold.String(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// FuzzNormalizeName checks that the fast path for plain names changes nothing: a name
// must hash the same whichever path it takes.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"张三", "张 三", "李　四", "ＡＢ张", "欧阳娜娜", "王。", "ｶﾀ", "Zhang San", "㐀䶿", "\u00a0张", "张\u200b三"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := normalizeName(s), slowNormalizeName(s); got != want {
			t.Fatalf("normalizeName(%q) = %q, want %q", s, got, want)
		}
	})
}

func TestIdentifierReuse(t *testing.T) {
	k, _ := NewKeyer([]byte("0123456789abcdef0123"))
	id := k.Identifier()
	for _, c := range [][2]string{{"张三", "13812345678"}, {"李　四", "+86 138 1234 5678"}, {"", ""}, {"张三", "13812345678"}, {"", "010-12345678"}} {
		fresh := hmac.New(sha256.New, []byte("0123456789abcdef0123"))
		n, p := slowNormalizeName(c[0]), Digits(c[1])
		want := ""
		if n != "" || p != "" {
			fresh.Write([]byte(n + "\x00" + p))
			want = hex.EncodeToString(fresh.Sum(nil))[:32]
		}
		if got := id.Identity(c[0], c[1]); got != want {
			t.Errorf("Identity(%q, %q) = %q, want %q", c[0], c[1], got, want)
		}
		if got := k.Identity(c[0], c[1]); got != want {
			t.Errorf("Keyer.Identity(%q, %q) = %q, want %q", c[0], c[1], got, want)
		}
	}
}
