package fetch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/minqing/minqing/ingest/fetch"
)

// A source is fetched once; the second run finds it unchanged and reuses the archived file.
func ExampleFetch() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''%E5%85%A8%E5%8C%BA%E8%AF%89%E6%B1%82%E4%BB%B6_20241005.csv`)
		fmt.Fprint(w, "受理编号,诉求内容\nA1,路灯不亮\n")
	}))
	defer srv.Close()
	dir, err := os.MkdirTemp("", "archive")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	cfg := fetch.Config{URL: srv.URL + "/export"}
	opts := fetch.Options{ArchiveDir: dir}
	for range 2 {
		res := fetch.Fetch(context.Background(), "jiedao", cfg, opts)
		fmt.Println(res.Status, filepath.Base(res.Path), res.Attempts, res.Err)
	}
	// Output:
	// fetched 全区诉求件_20241005.csv 1 <nil>
	// not_modified 全区诉求件_20241005.csv 1 <nil>
}
