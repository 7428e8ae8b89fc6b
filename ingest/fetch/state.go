package fetch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

const stateDir = "state"

// state is what a source's last good download left behind: the validators to send next
// time and the archived file they vouch for.
type state struct {
	URL          string `json:"url"` // the validators only hold for the URL they came from
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	SHA256       string `json:"sha256"`
	Path         string `json:"path"` // relative to the archive folder, slash-separated
}

func statePath(dir, source string) string {
	return filepath.Join(dir, stateDir, source+".json")
}

// readState returns the source's state if it can still be relied on, else nil, in which case
// the next request is unconditional: a lost or unreadable state costs one download, never
// a wrong answer.
func readState(dir, source, rawURL string, log *slog.Logger) *state {
	b, err := os.ReadFile(statePath(dir, source))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var st state
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err == nil && (st.SHA256 == "" || !filepath.IsLocal(filepath.FromSlash(st.Path))) {
		err = errors.New("no usable archived path")
	}
	if err != nil {
		log.Warn("ignoring unreadable fetch state", "err", err)
		return nil
	}
	if st.URL != rawURL {
		return nil // the config now points elsewhere
	}
	if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(st.Path))); err != nil || !fi.Mode().IsRegular() {
		log.Warn("archived file missing; fetching again", "file", st.Path)
		return nil
	}
	return &st
}

// writeState replaces the source's state atomically, so a crash leaves the old or the new
// state, never half of one.
func writeState(dir, source string, st state) (err error) {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("saving state of %q: %w", source, err)
	}
	f, err := os.CreateTemp(filepath.Join(dir, stateDir), ".state-*.tmp")
	if err != nil {
		return fmt.Errorf("saving state of %q: %w", source, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(append(b, '\n')); err == nil {
		if err = f.Sync(); err == nil {
			err = f.Close()
		}
	}
	if err == nil {
		err = os.Rename(f.Name(), statePath(dir, source))
	}
	if err != nil {
		return fmt.Errorf("saving state of %q: %w", source, err)
	}
	return nil
}
