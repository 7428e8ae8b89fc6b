package deliver

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// copyInto copies each file into dir (made if missing) under its base name. Each copy is
// written to a temporary name in dir and renamed, so a reader of the share sees the old
// file or the whole new one, never half a file.
func copyInto(dir string, files []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("making folder %q: %w", dir, err)
	}
	for _, f := range files {
		if err := copyFile(f, filepath.Join(dir, filepath.Base(f))); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) (err error) {
	src, err := os.Open(from)
	if err != nil {
		return permanent{fmt.Errorf("copying %q: %w", from, err)}
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(to), "."+filepath.Base(to)+".*.tmp")
	if err != nil {
		return fmt.Errorf("copying %q into %q: %w", from, filepath.Dir(to), err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, src); err != nil {
		return fmt.Errorf("copying %q to %q: %w", from, to, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("copying %q to %q: %w", from, to, err)
	}
	// CreateTemp makes the file private; the share's readers need to read it.
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("copying %q to %q: %w", from, to, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("copying %q to %q: %w", from, to, err)
	}
	if err = os.Rename(tmp.Name(), to); err != nil {
		return fmt.Errorf("copying %q to %q: %w", from, to, err)
	}
	return nil
}
