package ingest

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText turns a text export into UTF-8. With "auto", a UTF-16 byte-order mark means
// UTF-16 (what Excel's "Unicode text" writes, tab-separated), a UTF-8 BOM or valid UTF-8
// means UTF-8, anything else is read as GB18030 (a superset of GBK, Excel's default on
// Chinese Windows). It returns the name of the encoding used. Bytes invalid in that
// encoding become U+FFFD, which marks their rows BAD_ENCODING.
func decodeText(b []byte, enc string) (string, string, error) {
	utf16 := func(e encoding.Encoding, name string) (string, string, error) {
		out, err := e.NewDecoder().Bytes(b)
		if err != nil {
			return "", "", fmt.Errorf("decoding %s: %w", name, err)
		}
		return string(out), name, nil
	}
	switch {
	case enc == "utf-16" || (enc == "auto" || enc == "") && (bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF})):
		// The BOM decides the byte order; without one, little-endian as Windows writes it.
		return utf16(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), "utf-16")
	case enc == "utf-16le":
		return utf16(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), "utf-16le")
	case enc == "utf-16be":
		return utf16(unicode.UTF16(unicode.BigEndian, unicode.UseBOM), "utf-16be")
	}
	switch enc {
	case "utf-8":
		return string(bytes.ToValidUTF8(bytes.TrimPrefix(b, utf8BOM), []byte("\uFFFD"))), "utf-8", nil
	case "gb18030":
		out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			return "", "", fmt.Errorf("decoding GB18030: %w", err)
		}
		return string(out), "gb18030", nil
	case "auto", "":
		if bytes.HasPrefix(b, utf8BOM) {
			return string(bytes.ToValidUTF8(b[3:], []byte("\uFFFD"))), "utf-8-bom", nil
		}
		if utf8.Valid(b) {
			return string(b), "utf-8", nil
		}
		out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			return "", "", fmt.Errorf("decoding GB18030: %w", err)
		}
		return string(out), "gb18030", nil
	}
	return "", "", fmt.Errorf("unknown encoding %q", enc)
}
