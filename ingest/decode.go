package ingest

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText turns a text export into UTF-8. With "auto", a UTF-8 BOM or valid UTF-8
// means UTF-8, anything else is read as GB18030 (a superset of GBK, Excel's default on
// Chinese Windows). It returns the name of the encoding used. Bytes invalid in that
// encoding become U+FFFD, which marks their rows BAD_ENCODING.
func decodeText(b []byte, encoding string) (string, string, error) {
	switch encoding {
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
	return "", "", fmt.Errorf("unknown encoding %q", encoding)
}
