package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sheetMerges returns each worksheet's merged ranges (values not yet known) by scanning
// the worksheet XML for its <mergeCells> element, which follows the sheet's data. It never
// builds the sheet in memory, as excelize's GetMergeCells does (a million-row sheet took
// gigabytes that way).
func sheetMerges(file string) (map[string][]mergeRange, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return nil, fmt.Errorf("opening workbook: %w", err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.TrimPrefix(f.Name, "/")] = f
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := unmarshalZip(files["xl/workbook.xml"], &wb); err != nil {
		return nil, fmt.Errorf("reading the workbook's sheets: %w", err)
	}
	if err := unmarshalZip(files["xl/_rels/workbook.xml.rels"], &rels); err != nil {
		return nil, fmt.Errorf("reading the workbook's sheets: %w", err)
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		targets[r.ID] = t
	}
	out := map[string][]mergeRange{}
	for _, s := range wb.Sheets {
		f := files[targets[s.RID]]
		if f == nil {
			continue
		}
		ms, err := scanMerges(f)
		if err != nil {
			return nil, fmt.Errorf("reading merged cells of sheet %q: %w", s.Name, err)
		}
		out[s.Name] = ms
	}
	return out, nil
}

func unmarshalZip(f *zip.File, v any) error {
	if f == nil {
		return fmt.Errorf("part missing")
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// scanMerges finds <mergeCells …>…</mergeCells> in a worksheet part by a byte scan (the
// literal cannot occur inside cell text, which XML escapes) and parses only that element.
func scanMerges(f *zip.File) ([]mergeRange, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 1<<16)
	var window []byte
	open, closing := []byte("<mergeCells"), []byte("</mergeCells>")
	buf := make([]byte, 1<<16)
	for {
		n, err := br.Read(buf)
		window = append(window, buf[:n]...)
		if i := bytes.Index(window, open); i >= 0 {
			window = window[i:]
			for !bytes.Contains(window, closing) {
				n, err := br.Read(buf)
				window = append(window, buf[:n]...)
				if err == io.EOF {
					break
				} else if err != nil {
					return nil, err
				}
			}
			end := bytes.Index(window, closing)
			if end < 0 {
				return nil, fmt.Errorf("unterminated <mergeCells>")
			}
			var mc struct {
				Cells []struct {
					Ref string `xml:"ref,attr"`
				} `xml:"mergeCell"`
			}
			// The element may carry a namespace prefix on nothing else; decode it alone.
			if err := xml.Unmarshal(window[:end+len(closing)], &mc); err != nil {
				return nil, err
			}
			var out []mergeRange
			for _, c := range mc.Cells {
				a, b, ok := strings.Cut(c.Ref, ":")
				if !ok {
					continue
				}
				c1, r1, err1 := excelize.CellNameToCoordinates(a)
				c2, r2, err2 := excelize.CellNameToCoordinates(b)
				if err1 == nil && err2 == nil {
					out = append(out, mergeRange{r1: r1, c1: c1, r2: r2, c2: c2})
				}
			}
			return out, nil
		}
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		// Keep a tail in case the literal straddles two reads.
		if len(window) > len(open) {
			window = append(window[:0], window[len(window)-len(open):]...)
		}
	}
}
