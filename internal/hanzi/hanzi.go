// Package hanzi converts traditional Chinese characters to simplified ones, so that a
// header or label written in traditional characters (辦結時間, 滿意) is recognised as its
// simplified form, without listing each variant by hand.
//
// The conversion is OpenCC's t2s: its phrase dictionary first (longest match), then its
// character dictionary, taking the first candidate of a character with several. The two
// dictionaries (TSPhrases.txt, TSCharacters.txt) are OpenCC's own data as shipped in
// github.com/longbridgeapp/opencc v0.3.13, Apache License 2.0 (LICENSE-OpenCC); they are
// embedded, so conversion works offline. The Go libraries that wrap them
// (longbridgeapp/opencc, liuzl/gocc) link github.com/liuzl/cedar-go, which is GPL-2.0, so
// the data is used here with a converter of its own.
package hanzi

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

var (
	//go:embed TSCharacters.txt
	charsTxt string
	//go:embed TSPhrases.txt
	phrasesTxt string
)

var (
	once    sync.Once
	chars   map[rune]string
	phrases map[string]string
	longest int // runes in the longest phrase
)

// parse reads OpenCC's dictionary format: "key<TAB>candidate[ candidate…]" per line.
func parse(txt string, each func(k, v string)) {
	for _, line := range strings.Split(txt, "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), "\t")
		if !ok || k == "" {
			continue
		}
		if i := strings.IndexByte(v, ' '); i >= 0 {
			v = v[:i]
		}
		if v != "" {
			each(k, v)
		}
	}
}

func load() {
	chars = map[rune]string{}
	parse(charsTxt, func(k, v string) {
		if r, n := utf8.DecodeRuneInString(k); n == len(k) {
			chars[r] = v
		}
	})
	phrases = map[string]string{}
	parse(phrasesTxt, func(k, v string) {
		phrases[k] = v
		longest = max(longest, utf8.RuneCountInString(k))
	})
}

// Simplified returns s with traditional characters converted to simplified; text with
// none is returned as it is.
func Simplified(s string) string {
	once.Do(load)
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); {
		if p, n := matchPhrase(s[i:]); n > 0 {
			b.WriteString(p)
			i += n
			changed = true
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if c, ok := chars[r]; ok {
			b.WriteString(c)
			changed = changed || c != s[i:i+n]
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	if !changed {
		return s
	}
	return b.String()
}

// matchPhrase returns the simplified form of the longest phrase s starts with and its
// length in bytes, or 0.
func matchPhrase(s string) (string, int) {
	if s == "" || s[0] < utf8.RuneSelf {
		return "", 0
	}
	ends := make([]int, 0, longest)
	for i := range s {
		if i > 0 {
			ends = append(ends, i)
		}
		if len(ends) == longest {
			break
		}
	}
	if len(ends) < longest {
		ends = append(ends, len(s))
	}
	for j := len(ends) - 1; j >= 1; j-- { // phrases are at least two characters
		if v, ok := phrases[s[:ends[j]]]; ok {
			return v, ends[j]
		}
	}
	return "", 0
}

var (
	inverseOnce sync.Once
	inverse     map[rune][]rune // simplified character → the traditional ones that convert to it
)

// Traditional returns the other ways s may be written that Simplified converts back to
// s: each character as itself or as one of its traditional forms (已辦結 and 已辦结 for
// 已办结), at most limit of them, in a stable order. A vocabulary in simplified
// characters adds these, so that a value written in traditional ones is looked up as
// converted to simplified.
func Traditional(s string, limit int) []string {
	once.Do(load)
	inverseOnce.Do(func() {
		inverse = map[rune][]rune{}
		for t, simp := range chars {
			if r, n := utf8.DecodeRuneInString(simp); n == len(simp) && r != t {
				inverse[r] = append(inverse[r], t)
			}
		}
		for _, ts := range inverse {
			slices.Sort(ts)
		}
	})
	forms := []string{""}
	for _, r := range s {
		// traditional forms first: when the limit cuts, the wholly traditional spelling
		// is kept before mixed ones
		choices := append(slices.Clone(inverse[r]), r)
		var next []string
		for _, f := range forms {
			for _, c := range choices {
				if len(next) == limit*4 {
					break
				}
				next = append(next, f+string(c))
			}
		}
		forms = next
	}
	var out []string
	for _, f := range forms {
		if f != s && Simplified(f) == s {
			if len(out) == limit {
				break
			}
			out = append(out, f)
		}
	}
	return out
}
