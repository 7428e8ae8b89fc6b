// Package ingest reads the export files named by the config's sources into raw tables
// that keep, for every row, its source file, the file's SHA-256, its sheet and row number.
// It decodes the encodings units use, finds the header below title rows (joining two-row
// merged headers), maps headers to canonical fields, and counts the rows it skips. Values
// stay text: typing, cleaning and quarantine belong to transform. Personal data is turned
// into keyed hashes and masks here, so the store never holds it in clear.
//
// ingest must not import transform, reports, dashboards or schedules.
package ingest
