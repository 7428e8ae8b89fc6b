// Package serve is the HTTP side of `minqing serve`: the dashboards of every unit, their
// charts' numbers as CSV and the figures and case lists as Arrow IPC streams, behind a
// login, each request checked on the server against what the user may see.
//
// Who sees what: leaders every unit's figures; township users their township and its
// villages only; auditors every unit's figures and the lists of overdue and late cases,
// with citizens masked as the store holds them. Every unit's page also shows the unit's
// early warnings (预警) as at today in Asia/Shanghai (Options.Now): the open cases overdue
// or due within Options.WarnDays working days, masked the same way, to everyone who may
// see the unit (so a township user sees its own township's only); the panel is read once
// a day per unit and data version, and never written to files. Every page, CSV and
// stream is checked against the user's scope here, never hidden in the page only. An
// access log (JSON lines) records who saw what and when: user names, unit codes, periods
// and paths, never citizen data.
//
// Sessions are cookies signed with a key that persists, so a login survives a restart; a
// logout must too, so revocations persist in Options.RevokedFile until the session would
// have expired anyway.
//
// Pages are rendered by package dashboards (the same renderer `minqing dashboard` writes
// files with) from pre-computed figures read through transform's read API; nothing is
// counted here. Built pages are cached until Invalidate, which the process calls when a
// scheduled load has committed new figures, so pages stay fast and keep being served while
// a load runs. Warm builds every unit's page of the default period at once
// (dashboards.BuildAll, a few set-based reads); the process starts it in the background
// (WarmInBackground) once it listens, so the server answers at once, and a page still being
// built is answered with a page saying so (503 with Retry-After, reloading itself) rather
// than built a second time.
//
// This package must not import the store, ingest, reports or database/sql.
package serve
