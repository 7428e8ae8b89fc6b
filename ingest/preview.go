package ingest

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/minqing/minqing/privacy"
)

// FilePreview is what `minqing check` shows of one file: how ingest reads it, without
// loading anything.
type FilePreview struct {
	Source     string
	Path       string
	Encoding   string
	Sheets     []SheetPreview
	Err        error
	Unreadable bool
	// UnusedHeaders are keys of the source's `headers` that name no column of the file.
	UnusedHeaders []string
}

// SheetPreview is one table of a file as ingest would load it.
type SheetPreview struct {
	Name       string
	HeaderRows []int               // row numbers of the header (none for JSON)
	Mapping    [][2]string         // header as written → canonical field
	Unmapped   []string            // headers that map to no field
	Missing    []string            // canonical fields of the kind that no column gives
	Skipped    map[string]int      // rows that would be skipped, by kind
	DataRows   int                 // rows that would load
	Sample     []map[string]string // the first rows as they would load (personal fields masked)
	Profiled   int                 // data rows passed to PreviewOptions.Profile
	Profile    any                 // what PreviewOptions.Profile returned
	Err        error
}

// PreviewOptions set what Preview shows besides the layout.
type PreviewOptions struct {
	Sample int // data rows shown per sheet
	// ProfileRows is how many data rows per sheet are handed to Profile (0: none).
	ProfileRows int
	// Profile, when set, receives the first ProfileRows data rows of each sheet: the
	// mapped fields and each row's values of them, as cleaned for loading; personal
	// fields and descriptions are left out (empty). Its result is kept in
	// SheetPreview.Profile. The rows are held in memory only until it returns.
	Profile func(src SourceConfig, fields []string, rows [][]string) any
}

// Preview reads every file of the sources and reports how each would load; it never
// touches the store. sample is how many data rows to show per sheet.
func Preview(sources []SourceConfig, baseDir string, opts PreviewOptions) []FilePreview {
	var out []FilePreview
	for _, src := range sources {
		mapper, err := NewMapper(src.Kind, src.Headers)
		if err != nil {
			out = append(out, FilePreview{Source: src.Name, Err: fmt.Errorf("source %q: %w", src.Name, err), Unreadable: true})
			continue
		}
		paths, err := expand(baseDir, src.Paths)
		if err != nil {
			out = append(out, FilePreview{Source: src.Name, Err: fmt.Errorf("source %q: %w", src.Name, err), Unreadable: true})
			continue
		}
		if len(paths) == 0 {
			out = append(out, FilePreview{Source: src.Name, Err: fmt.Errorf("source %q: no file matches %s", src.Name, strings.Join(src.Paths, ", "))})
		}
		for _, p := range paths {
			out = append(out, previewFile(src, mapper, baseDir, p, opts))
		}
	}
	return out
}

func previewFile(src SourceConfig, mapper *Mapper, baseDir, path string, opts PreviewOptions) FilePreview {
	rel, err := filepath.Rel(baseDir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = path
	}
	fp := FilePreview{Source: src.Name, Path: filepath.ToSlash(rel)}
	sheets, enc, closeStreams, err := openStreams(path, src.Encoding)
	fp.Encoding = enc
	if err != nil {
		fp.Err, fp.Unreadable = err, true
		return fp
	}
	defer closeStreams()
	named := map[string]bool{} // normalised header forms of the file's columns
	for _, sh := range sheets {
		sp := SheetPreview{Name: sh.Name, Skipped: map[string]int{}}
		var fields []string
		var idx []int
		var prof [][]string
		// The same streaming read as loading: memory holds the header scan, the sample
		// and the rows to profile.
		l, _, err := readSheet(sh, mapper, sp.Skipped, func(cols []column, r gridRow) error {
			sp.DataRows++
			if len(sp.Sample) < opts.Sample {
				sp.Sample = append(sp.Sample, sampleRow(cols, r))
			}
			if opts.Profile == nil || sp.Profiled >= opts.ProfileRows {
				return nil
			}
			if fields == nil {
				fields = []string{}
				for _, c := range cols {
					if c.Field != "" && !personalFields[c.Field] && c.Field != "description" {
						fields, idx = append(fields, c.Field), append(idx, c.Index)
					}
				}
			}
			row := make([]string, len(idx))
			for i, j := range idx {
				if j < len(r.Cells) {
					row[i] = clean(r.Cells[j])
				}
			}
			prof = append(prof, row)
			sp.Profiled++
			return nil
		})
		if err != nil {
			sp.Err = err
			fp.Sheets = append(fp.Sheets, sp)
			continue
		}
		if l.Columns == nil {
			continue // an empty sheet
		}
		sp.HeaderRows, sp.Unmapped = l.HeaderRows, l.Unmapped
		if opts.Profile != nil && fields != nil {
			sp.Profile = opts.Profile(src, fields, prof)
		}
		prof = nil
		have := map[string]bool{}
		for _, c := range l.Columns {
			for _, f := range headerForms(c.Header) {
				named[f] = true
			}
			if c.Field != "" {
				sp.Mapping = append(sp.Mapping, [2]string{c.Header, c.Field})
				have[c.Field] = true
			}
		}
		for _, f := range Fields[src.Kind] {
			if !have[f] {
				sp.Missing = append(sp.Missing, f)
			}
		}
		fp.Sheets = append(fp.Sheets, sp)
	}
	for h := range src.Headers {
		if !named[normHeader(h)] {
			fp.UnusedHeaders = append(fp.UnusedHeaders, h)
		}
	}
	sort.Strings(fp.UnusedHeaders)
	return fp
}

// sampleRow shows a data row as it would load, personal fields masked and descriptions
// scrubbed as the store would hold them.
func sampleRow(cols []column, r gridRow) map[string]string {
	row := map[string]string{}
	for _, c := range cols {
		if c.Field == "" || c.Index >= len(r.Cells) {
			continue
		}
		v := clean(r.Cells[c.Index])
		switch c.Field {
		case "citizen_name":
			v = privacy.MaskName(v)
		case "citizen_phone":
			v = privacy.MaskPhone(v)
		case "citizen_id":
			v = privacy.MaskID(v)
		case "description":
			v = privacy.Scrub(v)
		}
		row[c.Field] = v
	}
	return row
}
