package fetch

import (
	"mime"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// maxNameBytes keeps archived names under the 255-byte limit of common file systems, with
// room to spare; a Chinese character takes three bytes.
const maxNameBytes = 200

// fileName picks the name an export is archived under, as a browser saving it would:
// Content-Disposition's filename (RFC 6266, filename* preferred), else the URL path's last
// segment. It matters because the loader reads the export's date and format from the name.
func fileName(contentDisposition string, u *url.URL) (string, error) {
	if contentDisposition != "" {
		if n := sanitize(dispositionName(contentDisposition)); n != "" {
			return n, nil
		}
	}
	if u != nil {
		if n := sanitize(path.Base(u.Path)); n != "" { // u.Path is already percent-decoded
			return n, nil
		}
	}
	return "", ErrNoFileName
}

// dispositionName reads the file name from a Content-Disposition header. Servers in the
// field often break RFC 6266 — raw UTF-8 or GBK, unquoted, percent-encoded in a plain
// filename= (Java's URLEncoder), a GBK filename* — so a strict parse is tried first and a
// lenient one after.
func dispositionName(cd string) string {
	if _, params, err := mime.ParseMediaType(cd); err == nil && params["filename"] != "" {
		return unescapeLoose(params["filename"]) // mime has already decoded a UTF-8 filename*
	}
	var plain, ext string
	for _, part := range strings.Split(cd, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "filename":
			plain = strings.Trim(v, `"`)
		case "filename*":
			ext = decodeExtValue(strings.Trim(v, `"`))
		}
	}
	if ext != "" {
		return ext
	}
	return unescapeLoose(plain)
}

// decodeExtValue decodes an RFC 8187 value, charset'lang'pct-encoded, for the charsets
// Chinese servers use; "" when it cannot.
func decodeExtValue(v string) string {
	charset, rest, ok := strings.Cut(v, "'")
	if !ok {
		return ""
	}
	_, enc, ok := strings.Cut(rest, "'")
	if !ok {
		return ""
	}
	raw, err := url.PathUnescape(enc)
	if err != nil {
		return ""
	}
	switch strings.ToLower(charset) {
	case "utf-8", "us-ascii":
		if utf8.ValidString(raw) {
			return raw
		}
	case "gbk", "gb2312", "gb18030":
		if s, err := simplifiedchinese.GB18030.NewDecoder().String(raw); err == nil {
			return s
		}
	}
	return ""
}

// unescapeLoose decodes a plain filename that a server percent-encoded, when it decodes to
// non-ASCII UTF-8 text; a name that merely contains a '%' is left alone.
func unescapeLoose(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	d, err := url.PathUnescape(s)
	if err != nil || !utf8.ValidString(d) || d == s {
		return s
	}
	for _, r := range d {
		if r >= utf8.RuneSelf {
			return d
		}
	}
	return s
}

// sanitize makes a server-given name safe to use as one path element: it keeps only the
// last element of any path, decodes GBK bytes, drops control characters and replaces
// characters some file systems reject. "" when nothing usable is left.
func sanitize(name string) string {
	if !utf8.ValidString(name) {
		if s, err := simplifiedchinese.GB18030.NewDecoder().String(name); err == nil && utf8.ValidString(s) {
			name = s
		} else {
			name = strings.ToValidUTF8(name, "_")
		}
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == utf8.RuneError:
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." || !filepath.IsLocal(name) {
		return ""
	}
	if len(name) > maxNameBytes {
		name = shorten(name)
	}
	return name
}

// shorten cuts the middle out of an over-long name, keeping its head (often the unit) and
// its tail (the export's date and the extension, which the loader needs).
func shorten(name string) string {
	const mark = "~"
	budget := maxNameBytes - len(mark)
	head := budget / 2
	for head > 0 && !utf8.RuneStart(name[head]) {
		head--
	}
	tail := len(name) - (budget - head)
	for tail < len(name) && !utf8.RuneStart(name[tail]) {
		tail++
	}
	return name[:head] + mark + name[tail:]
}
