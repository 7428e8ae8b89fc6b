package transform_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/store"
	"github.com/minqing/minqing/transform"
)

// testRegister is the small district most transform tests count in.
const testRegister = "code,name,level,parent,aliases\n330199000000,和平区,district,,\n" +
	"330199001000,青石镇,township,330199000000,\n330199001001,西街村,village,330199001000,西街\n" +
	"330199001002,东湖社区,village,330199001000,\n"

// testLoad writes files (name → content) into a fresh folder, loads them through the
// sources into a new in-memory store and, with a non-nil opts, transforms them (the
// register and catalogue are units.csv and catalogue.csv of files, testRegister and a
// two-item catalogue when absent). It returns the store and the transform's error.
func testLoad(t *testing.T, files map[string]string, sources []ingest.SourceConfig, opts *transform.Options) (*sql.DB, error) {
	t.Helper()
	dir := t.TempDir()
	if _, ok := files["units.csv"]; !ok {
		files["units.csv"] = testRegister
	}
	if _, ok := files["catalogue.csv"]; !ok {
		files["catalogue.csv"] = "item,days\n低保申请,10\n居住证明,3\n"
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	db, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keyer, _ := privacy.NewKeyer([]byte(strings.Repeat("k", 32)))
	res, err := ingest.Run(ctx, db, ingest.Options{Sources: sources, BaseDir: dir, Keyer: keyer})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("loading %s: %v", r.Path, r.Err)
		}
	}
	if opts == nil {
		return db, nil
	}
	o := *opts
	o.UnitsFile, o.CatalogueFile = filepath.Join(dir, "units.csv"), filepath.Join(dir, "catalogue.csv")
	if o.Rules.ScoreWeights == nil {
		o.Rules = transform.DefaultRules()
	}
	_, err = transform.Run(ctx, db, o)
	return db, err
}
