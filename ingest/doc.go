// Package ingest reads the export files named by the config's sources into raw tables
// that keep, for every row, its source file, the file's SHA-256, its sheet and row number.
// It decodes the encodings units use, finds the header below title rows (joining two-row
// merged headers), maps headers to canonical fields, and counts the rows it skips. Values
// stay text: typing, cleaning and quarantine belong to transform, except for the rows no
// values can be trusted in, which ingest marks in row_problem for transform to quarantine:
// the lines a quote never closed swallowed (BAD_QUOTE), a line over 4 MiB or of more than
// 16384 cells (LINE_TOO_LONG), a cell over 1 MiB (CELL_TOO_LONG). Personal data is turned
// into keyed hashes and masks here, so the store never holds it in clear.
//
// Memory is bounded whatever a file holds: text files are streamed (JSON included), a
// workbook that unzips past the limits in workbook.go is refused, and a file's SHA-256
// is always of the very bytes loaded (input.go).
//
// ingest must not import transform, reports, dashboards or schedules.
package ingest
