// Package privacy keeps citizens' personal data out of everything minqing stores and
// shows: identities become keyed hashes for matching, names, phones and ID numbers are
// masked (张*, 138****5678, 3208**********1234), and free text is scrubbed of phone and ID
// numbers. It imports nothing of minqing's.
package privacy

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Keyer hashes citizen identities with a secret key, so that the same citizen matches
// across exports while the store never holds the identity itself. Safe for concurrent use.
type Keyer struct{ key []byte }

// NewKeyer returns a Keyer for key, which must be at least 16 bytes.
func NewKeyer(key []byte) (*Keyer, error) {
	if len(key) < 16 {
		return nil, errors.New("hash key: at least 16 bytes are required")
	}
	return &Keyer{key: append([]byte(nil), key...)}, nil
}

// LoadOrCreateKey reads the hex key in path, creating the file with a new random key
// (mode 0600) when it does not exist. Losing the key only means exports loaded later no
// longer match earlier number-less rows; nothing else depends on it.
func LoadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("reading hash key %q: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading hash key %q: %w", path, err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("making hash key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("writing hash key %q: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("writing hash key %q: %w", path, err)
	}
	return key, nil
}

// Identity returns the keyed hash of a citizen (name and phone, normalised), or "" when
// both are empty.
func (k *Keyer) Identity(name, phone string) string {
	return k.Identifier().Identity(name, phone)
}

// Identifier hashes identities like Keyer.Identity for one goroutine, reusing its HMAC:
// loading a million rows would otherwise build a million of them.
type Identifier struct {
	m   hash.Hash
	buf []byte
}

// Identifier returns a new Identifier; it is not safe for concurrent use.
func (k *Keyer) Identifier() *Identifier {
	return &Identifier{m: hmac.New(sha256.New, k.key)}
}

// Identity returns the keyed hash of a citizen (name and phone, normalised), or "" when
// both are empty.
func (i *Identifier) Identity(name, phone string) string {
	return i.IdentityDigits(name, Digits(phone))
}

// IdentityDigits is Identity for a phone already reduced by Digits, for callers that
// also mask it (MaskDigits) and need not reduce it twice.
func (i *Identifier) IdentityDigits(name, phoneDigits string) string {
	n := normalizeName(name)
	p := phoneDigits
	if n == "" && p == "" {
		return ""
	}
	i.buf = append(append(append(i.buf[:0], n...), 0), p...)
	i.m.Reset()
	i.m.Write(i.buf)
	var sum [sha256.Size]byte
	return hex.EncodeToString(i.m.Sum(sum[:0]))[:32]
}

func normalizeName(s string) string {
	if plainName(s) {
		return s
	}
	s = width.Narrow.String(width.Fold.String(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// plainName reports whether normalizeName would leave s as it is: printable ASCII other
// than space and CJK ideographs have no width variants and are not spaces. Nearly every
// name is plain, and the width transforms are a large part of a load's cost.
func plainName(s string) bool {
	for _, r := range s {
		switch {
		case r > ' ' && r < 0x7f:
		case r >= 0x3400 && r <= 0x4dbf, r >= 0x4e00 && r <= 0x9fff:
		default:
			return false
		}
	}
	return true
}

// foldDigits turns full-width digits, plus, minus and X into ASCII and leaves all other
// text (Chinese punctuation included) as it is.
func foldDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '＋':
			return '+'
		case r == '－':
			return '-'
		case r == 'Ｘ':
			return 'X'
		}
		return r
	}, s)
}

// Digits keeps the ASCII digits of s (full-width digits folded); for a phone it also drops
// a leading +86/86 country code.
func Digits(s string) string {
	if asciiDigits(s) {
		if len(s) == 13 && strings.HasPrefix(s, "86") {
			return s[2:]
		}
		return s
	}
	s = foldDigits(s)
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) == 13 && strings.HasPrefix(d, "86") {
		d = d[2:]
	}
	return d
}

func asciiDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaskName keeps the first character: 张三 → 张*, 欧阳娜娜 → 欧***.
func MaskName(s string) string {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r) + strings.Repeat("*", max(n-1, 1))
}

// MaskPhone keeps the first three and last four digits of a mobile number, the last
// four of anything else: 13812345678 → 138****5678.
func MaskPhone(s string) string {
	return MaskDigits(Digits(s))
}

// MaskDigits is MaskPhone for a phone already reduced by Digits.
func MaskDigits(d string) string {
	switch {
	case d == "":
		return ""
	case len(d) == 11:
		return d[:3] + "****" + d[7:]
	case len(d) > 4:
		return strings.Repeat("*", len(d)-4) + d[len(d)-4:]
	default:
		return strings.Repeat("*", len(d))
	}
}

// MaskID keeps the first four and last four characters of an ID number.
func MaskID(s string) string {
	s = strings.ToUpper(strings.TrimSpace(foldDigits(s)))
	if len(s) <= 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}

var (
	// An 18-digit resident ID (last may be X) or a 15-digit old one, not inside a longer number.
	idRE = regexp.MustCompile(`(^|[^0-9])([1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14})([^0-9Xx]|$)`)
	// A mainland mobile number, optionally +86, with optional separators.
	mobileRE = regexp.MustCompile(`(^|[^0-9])((?:\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4})([^0-9]|$)`)
	// A landline: area code 0xx(x) and 7–8 digits.
	landlineRE = regexp.MustCompile(`(^|[^0-9])(0[1-9][0-9]{1,2}[- ]?[0-9]{7,8})([^0-9]|$)`)
)

// Scrub masks phone and ID numbers inside free text. Full-width digits are folded first so
// that ４ and 4 are caught alike.
func Scrub(s string) string {
	// Fast path: a phone (7+ digits) or ID number cannot hide in text with fewer digits;
	// most descriptions have none, and the regular expressions are the cost of ingest.
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
			digits++
		}
	}
	if digits < 7 {
		return s
	}
	s = foldDigits(s)
	for _, re := range []struct {
		re   *regexp.Regexp
		mask func(string) string
	}{{idRE, MaskID}, {mobileRE, MaskPhone}, {landlineRE, MaskPhone}} {
		// Run twice: adjacent matches share a boundary character.
		for range 2 {
			s = re.re.ReplaceAllStringFunc(s, func(m string) string {
				sub := re.re.FindStringSubmatch(m)
				return sub[1] + re.mask(sub[2]) + sub[3]
			})
		}
	}
	return s
}
