package ingest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// sheet is one table of cells as a file holds it: a CSV file has one, an XLSX file one per
// worksheet. Row numbers are 1-based: the CSV record number or the worksheet row number.
type sheet struct {
	Name string // worksheet name; "" for CSV
	Rows []gridRow
	// Keys, for JSON, name the columns: there is no header row in the file, and every
	// row is data. Blank counts JSON lines' empty lines.
	Keys  []string
	Blank int
}

type gridRow struct {
	Number int
	Cells  []string
	// Problem, when set, is why ingest quarantines the row whatever its values (a reason
	// code such as BAD_QUOTE), and Detail says where, with no cell's content.
	Problem, Detail string
}

// ErrFormat means a file's format is not one ingest reads.
var ErrFormat = errors.New("unsupported file format")

// convertXLS turns a legacy .xls into .xlsx bytes with LibreOffice, the dependable
// converter (no maintained pure-Go reader exists). The file's SHA-256 is still that of
// the .xls as received.
func convertXLS(path string) ([]byte, error) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		return nil, fmt.Errorf("%w: legacy .xls needs LibreOffice to convert it: install it (Debian: apt-get install libreoffice-calc) or save the file as .xlsx", ErrFormat)
	}
	dir, err := os.MkdirTemp("", "minqing-xls-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// A private profile, so a desktop LibreOffice (or a parallel conversion) cannot lock it.
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "xlsx", "--outdir", dir, path)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("converting .xls with LibreOffice: %w: %s", err, strings.TrimSpace(string(out)))
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".xlsx"
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("converting .xls with LibreOffice: no output: %w", err)
	}
	return b, nil
}
