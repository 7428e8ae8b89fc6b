// Package dashboards owns the HTML dashboards that leaders open on government intranets:
// the one page renderer (figure cards and ECharts charts built with go-echarts) used both
// for the files `minqing dashboard` writes (WriteOffline: every quarter and year with
// cases, linked by a period list of plain relative links, with no control that needs a
// server) and for the pages `minqing serve` serves (package serve, whose pages keep their
// period selector, downloads and logout), what a unit's page reads (Build, over
// transform's read API; BuildAll for every unit's page from a few set-based reads), the
// early-warning panel a server adds to its pages (ReadWarnings; never in written files),
// each chart's numbers as CSV, and the embedded front-end assets (static/, copied from the
// pinned npm package by scripts/assets).
//
// The pages must work with no internet: they reference no external host, and ECharts is
// shipped inside the binary. Citizen-entered text (unit names, case text) reaches the page
// only as data: option JSON is marshalled by us and passed through html/template into
// JSON.parse, never through go-echarts' own page renderer, which writes it unescaped; CSV
// cells that a spreadsheet would run as formulas are quoted.
//
// Dashboards read figures through transform's read model (types such as
// transform.UnitFigures and the Source interface that *transform.Reader satisfies); this
// package must not import the store, database/sql, ingest, reports or serve.
package dashboards
