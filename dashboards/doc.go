// Package dashboards owns the HTML dashboards that leaders open on government intranets:
// the page (figure cards and ECharts charts built with go-echarts), its embedded front-end
// assets (static/, copied from the pinned npm package by scripts/assets), and, later, the
// HTTP server that serves them.
//
// The pages must work with no internet: they reference no external host, and ECharts is
// shipped inside the binary. Citizen-entered text (unit names included) reaches the page
// only as data: option JSON is marshalled by us and passed through html/template into
// JSON.parse, never through go-echarts' own page renderer, which writes it unescaped.
//
// Dashboards read figures through transform's read model (types such as
// transform.UnitFigures); this package must not import the store, database/sql, ingest or
// reports.
package dashboards
