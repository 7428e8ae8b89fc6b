// Package reports writes the quarterly workbook (季度统计报表) that organisation
// departments cite, leaders read and auditors recompute: a summary, the figures of
// every township and village, the overdue and late cases behind the on-time rates,
// the per-file accounting of what was read, and how every figure was counted.
//
// It owns the layout of that workbook and nothing else. It takes plain data (Input,
// filled by the caller from transform's read API) and never counts anything itself,
// so a number in the workbook is always the number the read model holds.
//
// It must not import the store: no database/sql, no DuckDB driver, no ingest, and
// not dashboards. Keeping it a pure function of its input is what makes the same
// input give a byte-identical file, and lets tests build inputs by hand.
//
// Conventions of the workbook, which readers and later sheets rely on:
//   - Every number is a numeric cell: counts as #,##0, rates as fractions under 0.0%,
//     working days and the score under 0.0, changes in points (rates), 分 (score) or
//     percent (counts, days). A value that does not exist is the text "—", never 0.
//   - Dates are date cells (yyyy-mm-dd, yyyy-mm-dd hh:mm) on the Shanghai wall clock.
//   - Text from exports is a string cell, never a formula; text that starts like one
//     (= + - @ tab CR) also carries the quote prefix, so editing it keeps it text.
//   - One font, 宋体; column widths and wrapped rows' heights are computed, since
//     neither excelize nor the applications fit them on opening.
//   - Tables have a frozen header and an autofilter; total rows sit below the
//     filtered range so sorting cannot move them.
package reports
