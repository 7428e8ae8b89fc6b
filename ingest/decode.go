package ingest

import (
	"bytes"
	"io"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText turns a whole text export held in memory into UTF-8 (loading streams every
// file through decodeReader; tests use this), with the detection rules of decodeReader. It returns the encoding used. Bytes
// invalid in that encoding become U+FFFD, which marks their rows BAD_ENCODING.
func decodeText(b []byte, enc string) (string, string, error) {
	r, used, err := decodeReader(bytes.NewReader(b), enc)
	if err != nil {
		return "", "", err
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", "", err
	}
	return string(bytes.ToValidUTF8(out, []byte("\uFFFD"))), used, nil
}
