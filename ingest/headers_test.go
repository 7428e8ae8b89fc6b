package ingest

import (
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestHeadersInTraditional: a header is looked up as written, then converted to
// simplified characters, in the source's own headers and in the built-in synonyms; an
// override written in either form matches a header written in the other.
func TestHeadersInTraditional(t *testing.T) {
	m, err := NewMapper(KindCases, map[string]string{"來電號碼": "citizen_phone", "备注": "-", "辦結時限": "due_at"})
	if err != nil {
		t.Fatal(err)
	}
	for header, want := range map[string]string{
		"辦結時間":  "closed_at",     // built-in 办结时间
		"辦結日期：": "closed_at",     // with a full-width colon
		"辦理狀態":  "status",        // built-in 办理状态
		"來電號碼":  "citizen_phone", // override as written
		"来电号码":  "citizen_phone", // override written in traditional
		"辦結時限":  "due_at",
		"備註":    "",     // override "-" written in simplified ignores the traditional header
		"承辦單位":  "unit", // built-in 承办单位
		"熱線":    "",     // no such header
		"受理時間":  "received_at",
	} {
		if got := m.Field(header); got != want {
			t.Errorf("Field(%q) = %q, want %q", header, got, want)
		}
	}
}

// TestEncodingGBK: gbk and gb2312, as users name their exports' encoding, are read as
// GB18030 (their superset).
func TestEncodingGBK(t *testing.T) {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("诉求编号,承办单位\nA1,西街村\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []string{"gbk", "gb2312"} {
		got, used, err := decodeText(b, enc)
		if err != nil || got != "诉求编号,承办单位\nA1,西街村\n" || used != "gb18030" {
			t.Errorf("%s: %q (%s), %v", enc, got, used, err)
		}
	}
}
