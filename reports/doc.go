// Package reports writes the quarterly workbook (季度统计报表) that organisation
// departments cite, leaders read and auditors recompute: a summary with a narrative
// and charts, the figures of every township and village, the breakdowns by class,
// channel and topic, visits and service activities, the ranking by score, the
// overdue and late cases behind the on-time rates, the per-file accounting of what
// was read, how every figure was counted, and the manifest of what it was made from.
// A workbook is for the district or for one township (then only it and its villages
// appear). Beside it, WriteDocument writes the report document a department files
// (情况报告, .docx laid out as GB/T 9704-2012) from the same Input: it states in words,
// and in its 附表, numbers the workbook holds, and computes none of its own.
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
//     percent (counts, days) with ▲/▼ and blue (better) or red (worse). A value that
//     does not exist is the text "—", never 0.
//   - The only formulas are the summary narrative's, each number in it TEXT(cell) of
//     the figures table below, and the counts of a township's 小计 on 村（社区）, a
//     SUM of its villages' rows where that equals the township's own count; both are
//     stored with their results so readers that do not recalculate show them.
//   - Rates below the config's alert thresholds are marked by conditional formats (a
//     rule, not a colour set here), so a value edited in Excel or WPS is re-marked.
//   - Dates are date cells (yyyy-mm-dd, yyyy-mm-dd hh:mm) on the Shanghai wall clock.
//   - Text from exports is a string cell, never a formula; text that starts like one
//     (= + - @ tab CR) also carries the quote prefix, so editing it keeps it text.
//     Text over 32,767 characters is cut and ends in "…[截断]".
//   - Unless the input is an auditor's copy, names, phones and digit runs that look
//     like phone or ID numbers are masked again here, behind the store's masking; an
//     auditor's copy says so in a banner row and the printed header and footer of
//     every sheet.
//   - One font, 宋体; column widths and wrapped rows' heights are computed, since
//     neither excelize nor the applications fit them on opening.
//   - Tables have a frozen header and an autofilter; total rows (the scope unit's own
//     figures, never sums of rates) sit below the filtered range so sorting cannot
//     move them.
//   - Every sheet prints on A4 landscape with its header rows repeated, page numbers
//     and the period in the footer; a sheet too wide for one legible page prints
//     across two or three with its first columns repeated. 封面 and 目录 open the
//     workbook and print upright on one page each; 目录's sheet names are links.
//   - Statistical tables (statisticalSheets: the sheets of figures, not the lists)
//     carry the statutory header (TableHeader): 表号 and 制表机关 (批准机关, 批准文号
//     when given) above at the right, 填报单位 above at the left, 单位负责人, 填表人
//     and 报出日期 on the last row; an unconfigured field is a blank to fill in. Their
//     content starts at model.statTop, lists' at model.top.
//   - The case list is streamed (excelize StreamWriter) and continues on
//     超期及逾期办结(2), (3)… past 1,048,576 rows, each sheet saying which rows it
//     holds. Charts sit only on 概览, a normally written sheet.
package reports
