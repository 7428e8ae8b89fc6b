package fetch

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFileName(t *testing.T) {
	gbk := "\xc8\xab\xc7\xf8\xcb\xdf\xc7\xf3\xbc\xfe_20241005.csv" // 全区诉求件_20241005.csv in GBK
	long := strings.Repeat("诉", 100) + "_20241005.xlsx"
	tests := []struct {
		name string
		cd   string
		url  string
		want string
		err  error
	}{
		{name: "URL path, percent-encoded", url: "https://x/exports/%E5%85%A8%E5%8C%BA%E8%AF%89%E6%B1%82%E4%BB%B6_20241005.csv", want: exportName},
		{name: "URL path ignores the query", url: "https://x/a/b/export_20241005.xlsx?id=7&token=x", want: "export_20241005.xlsx"},
		{name: "filename* preferred over filename", cd: `attachment; filename="export.csv"; filename*=UTF-8''%E5%85%A8%E5%8C%BA%E8%AF%89%E6%B1%82%E4%BB%B6_20241005.csv`, url: "https://x/dl", want: exportName},
		{name: "filename* first", cd: `attachment; filename*=utf-8''%E5%85%A8%E5%8C%BA%E8%AF%89%E6%B1%82%E4%BB%B6_20241005.csv; filename="export.csv"`, url: "https://x/dl", want: exportName},
		{name: "plain quoted filename", cd: `attachment; filename="export_20241005.csv"`, url: "https://x/dl", want: "export_20241005.csv"},
		{name: "raw UTF-8 in quoted filename", cd: `attachment; filename="` + exportName + `"`, url: "https://x/dl", want: exportName},
		{name: "raw UTF-8 unquoted (not RFC 6266, seen in the field)", cd: `attachment; filename=` + exportName, url: "https://x/dl", want: exportName},
		{name: "percent-encoded plain filename (Java URLEncoder)", cd: `attachment; filename="%E5%85%A8%E5%8C%BA%E8%AF%89%E6%B1%82%E4%BB%B6_20241005.csv"`, url: "https://x/dl", want: exportName},
		{name: "a literal percent is left alone", cd: `attachment; filename="100%25_20241005.csv"`, url: "https://x/dl", want: "100%25_20241005.csv"},
		{name: "GBK bytes in filename", cd: `attachment; filename="` + gbk + `"`, url: "https://x/dl", want: exportName},
		{name: "filename*=GBK''", cd: `attachment; filename*=GBK''%C8%AB%C7%F8%CB%DF%C7%F3%BC%FE_20241005.csv`, url: "https://x/dl", want: exportName},
		{name: "path in filename: last element only", cd: `attachment; filename="../../state/jiedao.json"`, url: "https://x/dl", want: "jiedao.json"},
		{name: "Windows path in filename", cd: `attachment; filename="C:\\exports\\export_20241005.csv"`, url: "https://x/dl", want: "export_20241005.csv"},
		{name: "dot-dot filename falls back to the URL", cd: `attachment; filename=".."`, url: "https://x/export_20241005.csv", want: "export_20241005.csv"},
		{name: "encoded slash in the URL path", url: "https://x/a%2F..%2Fb.csv", want: "b.csv"},
		{name: "control characters and reserved characters", cd: "attachment; filename=\"a\x01b:c?_20241005.csv\"", url: "https://x/dl", want: "ab_c__20241005.csv"},
		{name: "inline disposition without a name uses the URL", cd: "inline", url: "https://x/e_20241005.csv", want: "e_20241005.csv"},
		{name: "too long: middle cut at characters, date and extension kept", url: "https://x/" + url.PathEscape(long), want: strings.Repeat("诉", 33) + "~" + strings.Repeat("诉", 28) + "_20241005.xlsx"},
		{name: "no name anywhere", url: "https://x/", err: ErrNoFileName},
		{name: "no path at all", url: "https://x", err: ErrNoFileName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			got, err := fileName(tc.cd, u)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("fileName = %q, %v; want error %v", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("fileName = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// FuzzFileName checks that whatever a server sends, the name is one safe path element.
func FuzzFileName(f *testing.F) {
	f.Add(`attachment; filename*=UTF-8''%E5%85%A8%E5%8C%BA.csv`, "/exports/x.csv")
	f.Add(`attachment; filename="../../etc/passwd"`, "/")
	f.Add("attachment; filename=\"\xc8\xab\xc7\xf8.csv\"", "/a%2F..%2Fb")
	f.Add(`attachment; filename*=GBK''%C8%AB.csv`, "/..")
	f.Fuzz(func(t *testing.T, cd, p string) {
		name, err := fileName(cd, &url.URL{Path: p})
		if err != nil {
			return
		}
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) ||
			!filepath.IsLocal(name) || !utf8.ValidString(name) || len(name) > maxNameBytes {
			t.Errorf("fileName(%q, %q) = %q: not a safe file name", cd, p, name)
		}
	})
}
