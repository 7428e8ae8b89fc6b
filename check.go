package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/minqing/minqing/ingest"
)

// printPreview writes `minqing check`'s report; it returns how many files could not be
// read as they are.
func printPreview(w io.Writer, previews []ingest.FilePreview) int {
	bad := 0
	for _, fp := range previews {
		if fp.Path == "" {
			fmt.Fprintf(w, "■ %s: %v\n\n", fp.Source, fp.Err)
			bad++
			continue
		}
		fmt.Fprintf(w, "■ %s  %s  (%s)\n", fp.Source, fp.Path, fp.Encoding)
		if fp.Err != nil {
			fmt.Fprintf(w, "  ✗ %v\n\n", fp.Err)
			bad++
			continue
		}
		for _, sp := range fp.Sheets {
			if sp.Name != "" {
				fmt.Fprintf(w, "  sheet %s\n", sp.Name)
			}
			if sp.Err != nil {
				fmt.Fprintf(w, "  ✗ %v\n", sp.Err)
				bad++
				continue
			}
			if len(sp.HeaderRows) > 0 {
				fmt.Fprintf(w, "  header rows %v; %d data rows; skipped %s\n", sp.HeaderRows, sp.DataRows, counts(sp.Skipped))
			} else {
				fmt.Fprintf(w, "  keys as columns; %d data rows; skipped %s\n", sp.DataRows, counts(sp.Skipped))
			}
			for _, m := range sp.Mapping {
				fmt.Fprintf(w, "    %s → %s\n", pad(m[0], 26), m[1])
			}
			if len(sp.Unmapped) > 0 {
				fmt.Fprintf(w, "  unmapped headers (map them in the source's `headers`, or \"-\" to ignore): %s\n", strings.Join(sp.Unmapped, ", "))
			}
			if len(sp.Missing) > 0 {
				fmt.Fprintf(w, "  fields no column gives: %s\n", strings.Join(sp.Missing, ", "))
			}
			for i, row := range sp.Sample {
				keys := make([]string, 0, len(row))
				for k := range row {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				var parts []string
				for _, k := range keys {
					if row[k] != "" {
						parts = append(parts, k+"="+row[k])
					}
				}
				fmt.Fprintf(w, "  row %d: %s\n", i+1, strings.Join(parts, "  "))
			}
		}
		fmt.Fprintln(w)
	}
	return bad
}

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// pad fills s with spaces to n display columns (a CJK character takes two).
func pad(s string, n int) string {
	w := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115F || r >= 0x2E80 && r <= 0xA4CF || r >= 0xAC00 && r <= 0xD7A3 ||
			r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFF60 || r >= 0xFFE0 && r <= 0xFFE6) {
			w += 2
		} else {
			w++
		}
	}
	if w >= n {
		return s
	}
	return s + strings.Repeat(" ", n-w)
}
