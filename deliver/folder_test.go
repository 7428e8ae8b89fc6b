package deliver

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minqing/minqing/config"
)

func TestFolderCopy(t *testing.T) {
	base := t.TempDir()
	paths, files := attachments(t)
	// An older copy of the workbook is replaced whole.
	dest := filepath.Join(base, "share", "报表")
	if err := os.MkdirAll(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dest, filepath.Base(paths[0])), []byte("last week"), 0o644); err != nil {
		t.Fatal(err)
	}
	o, _, _ := testOptions(fakeEnv{})
	d, err := New(config.Deliver{Folder: "share/报表", Attempts: 2}, base, o)
	if err != nil {
		t.Fatal(err)
	}
	rs := d.Deliver(context.Background(), Message{Attachments: paths})
	if len(rs) != 1 || !rs[0].OK || rs[0].Channel != ChannelFolder || rs[0].Target != dest {
		t.Fatalf("results %+v, want one OK folder result for %s", rs, dest)
	}
	entries, err := os.ReadDir(dest)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(files) {
		t.Errorf("folder holds %d entries, want %d (no temporary files left)", len(entries), len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dest, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes (%v), want %d", name, len(got), err, len(want))
		}
		if fi, err := os.Stat(filepath.Join(dest, name)); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v (%v), want 0644 for the share's readers", name, fi.Mode(), err)
		}
	}
}

func TestFolderCopyFails(t *testing.T) {
	paths, _ := attachments(t)
	notADir := filepath.Join(t.TempDir(), "a file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		folder   string
		files    []string
		attempts int
		want     string
	}{
		// Under a regular file no folder can be made, whoever runs it (CI runs as root,
		// which a read-only folder would not stop).
		{"folder under a file", filepath.Join(notADir, "reports"), paths, 3, "making folder"},
		{"missing attachment is not retried", t.TempDir(), []string{filepath.Join(t.TempDir(), "没有.docx")}, 1, "没有.docx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, waits, _ := testOptions(fakeEnv{})
			d, err := New(config.Deliver{Folder: tt.folder, Attempts: 3}, "", o)
			if err != nil {
				t.Fatal(err)
			}
			rs := d.Deliver(context.Background(), Message{Attachments: tt.files})
			if rs[0].OK || rs[0].Attempts != tt.attempts || len(waits.waits) != tt.attempts-1 || !strings.Contains(rs[0].Err, tt.want) {
				t.Errorf("result %+v, want %d failed attempts saying %q", rs[0], tt.attempts, tt.want)
			}
		})
	}
}
