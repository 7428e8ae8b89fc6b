package ingest

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits on what a workbook may unzip to. A workbook is a zip of XML: a few megabytes
// can declare gigabytes (a zip bomb), and excelize indexes every shared string in
// memory (some 50 bytes each) and decodes each whole. Sizes are checked against the zip's
// own directory before anything is unzipped (archive/zip never reads past a declared
// size), and the shared strings are counted in one streaming pass, so a workbook past
// these limits is refused, naming the limit, in bounded memory and time.
const (
	maxWorkbookUnzip      = 4 << 30   // all parts together
	maxSharedStringsBytes = 1 << 30   // xl/sharedStrings.xml
	maxSharedStrings      = 5_000_000 // shared strings (about 250 MB of excelize's index)
	maxSharedStringBytes  = 1 << 20   // the XML of one shared string
)

// workbookLimits are excelize's own: parts over 16 MiB are unzipped to temp files rather
// than held in memory, and the total is capped as checkWorkbook caps it.
var workbookLimits = excelize.Options{UnzipSizeLimit: maxWorkbookUnzip, UnzipXMLSizeLimit: 16 << 20}

// ErrTooLarge means a workbook unzips to more than ingest reads safely.
var ErrTooLarge = errors.New("workbook too large to read safely")

// checkWorkbook refuses a workbook past the limits above (ErrTooLarge); a file that is
// not a zip at all is left for excelize to report.
func checkWorkbook(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil
	}
	defer zr.Close()
	var total uint64
	var sst *zip.File
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > maxWorkbookUnzip {
			return fmt.Errorf("%w: its parts unzip to more than %d GiB", ErrTooLarge, maxWorkbookUnzip>>30)
		}
		if strings.EqualFold(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"), "xl/sharedStrings.xml") {
			sst = f
		}
	}
	if sst == nil {
		return nil
	}
	if sst.UncompressedSize64 > maxSharedStringsBytes {
		return fmt.Errorf("%w: its shared strings unzip to %d bytes, over the %d GiB limit", ErrTooLarge, sst.UncompressedSize64, maxSharedStringsBytes>>30)
	}
	rc, err := sst.Open()
	if err != nil {
		return fmt.Errorf("opening the shared strings: %w", err)
	}
	defer rc.Close()
	return checkSharedStrings(rc)
}

// checkSharedStrings counts the <si> elements (with any namespace prefix) of a
// shared-strings part and measures each, stopping at the first limit passed.
func checkSharedStrings(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var pos, last int64 // last: where the last item (or the part) starts
	items := 0
	gap := func() error {
		if pos-last > maxSharedStringBytes {
			return fmt.Errorf("%w: shared string %d is over %d MiB of XML", ErrTooLarge, items, maxSharedStringBytes>>20)
		}
		return nil
	}
	for {
		chunk, err := br.ReadSlice('<')
		pos += int64(len(chunk))
		if err == bufio.ErrBufferFull {
			if e := gap(); e != nil {
				return e
			}
			continue
		}
		if err == io.EOF {
			return gap()
		}
		if err != nil {
			return fmt.Errorf("reading the shared strings: %w", err)
		}
		name, _ := br.Peek(256)
		if !isSIStart(name) {
			continue
		}
		if e := gap(); e != nil {
			return e
		}
		last = pos
		if items++; items > maxSharedStrings {
			return fmt.Errorf("%w: more than %d shared strings", ErrTooLarge, maxSharedStrings)
		}
	}
}

// isSIStart reports whether b, what follows a '<', opens an element named si, with or
// without a namespace prefix.
func isSIStart(b []byte) bool {
	for i, c := range b {
		if c == ':' {
			b = b[i+1:]
			break
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			break
		}
	}
	if len(b) < 3 || b[0] != 's' || b[1] != 'i' {
		return false
	}
	switch b[2] {
	case '>', '/', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}
