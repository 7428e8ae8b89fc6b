package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
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
}

// ErrFormat means a file's format is not one ingest reads.
var ErrFormat = errors.New("unsupported file format")

// readSheets reads every table of the file at path; encoding applies to text files.
func readSheets(path string, data []byte, encoding string) ([]sheet, string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt", ".tsv":
		text, used, err := decodeText(data, encoding)
		if err != nil {
			return nil, "", err
		}
		s, err := readCSV(text)
		return []sheet{s}, used, err
	case ".xlsx", ".xlsm":
		s, err := readXLSX(data)
		return s, "xlsx", err
	case ".json", ".jsonl", ".ndjson":
		text, used, err := decodeText(data, encoding)
		if err != nil {
			return nil, "", err
		}
		s, err := readJSON(text)
		return []sheet{s}, "json/" + used, err
	case ".xls":
		converted, err := convertXLS(path)
		if err != nil {
			return nil, "", err
		}
		s, err := readXLSX(converted)
		return s, "xls (converted by LibreOffice)", err
	}
	return nil, "", fmt.Errorf("%w: %q", ErrFormat, filepath.Ext(path))
}

func readCSV(text string) (sheet, error) {
	delim := ','
	first, _, _ := strings.Cut(text, "\n")
	if strings.Count(first, "\t") > strings.Count(first, ",") {
		delim = '\t'
	}
	rd := csv.NewReader(strings.NewReader(text))
	rd.Comma = delim
	rd.FieldsPerRecord = -1
	rd.LazyQuotes = true
	var s sheet
	for n := 1; ; n++ {
		rec, err := rd.Read()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return s, fmt.Errorf("reading CSV record %d: %w", n, err)
		}
		s.Rows = append(s.Rows, gridRow{Number: n, Cells: rec})
	}
}

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

// readXLSX reads every worksheet with raw cell values (a date cell gives its Excel serial
// number, which transform types), filling merged ranges with their top-left value so that
// merged header cells name every column they span.
func readXLSX(data []byte) ([]sheet, error) {
	f, err := excelize.OpenReader(strings.NewReader(string(data)))
	if err != nil {
		return nil, fmt.Errorf("opening workbook: %w", err)
	}
	defer f.Close()
	var out []sheet
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("reading sheet %q: %w", name, err)
		}
		merges, err := f.GetMergeCells(name)
		if err != nil {
			return nil, fmt.Errorf("reading merged cells of sheet %q: %w", name, err)
		}
		for _, m := range merges {
			c1, r1, err1 := excelize.CellNameToCoordinates(m.GetStartAxis())
			c2, r2, err2 := excelize.CellNameToCoordinates(m.GetEndAxis())
			if err1 != nil || err2 != nil {
				continue
			}
			for r := r1; r <= r2; r++ {
				for c := c1; c <= c2; c++ {
					if r == r1 && c == c1 {
						continue
					}
					for len(rows) < r {
						rows = append(rows, nil)
					}
					for len(rows[r-1]) < c {
						rows[r-1] = append(rows[r-1], "")
					}
					rows[r-1][c-1] = m.GetCellValue()
				}
			}
		}
		s := sheet{Name: name}
		for i, cells := range rows {
			s.Rows = append(s.Rows, gridRow{Number: i + 1, Cells: cells})
		}
		out = append(out, s)
	}
	return out, nil
}
