// Package transform owns every figure minqing publishes. Its embedded SQL models type and
// clean the raw rows (staging), quarantine bad rows with reason codes, keep one current
// version of each case, compute deadlines on the working-day calendar and aggregate the
// figures of docs/rules.md per unit, period and breakdown (marts). Reader is the one read
// API that reports, dashboards and the stats command use, so a figure has one definition.
// The same read API traces a figure to its cases (Reader.Explain, from the very facts the
// figure counts; a data test adds the lists back up to every figure), lists the cases
// waiting at a cutoff (WaitingCases) and the auditors' flags (AuditFlags), and compares two
// stores built from what was known at two dates (Restate).
//
// transform reads the raw tables that ingest writes but does not import ingest; it must
// not import reports, dashboards or schedules.
package transform
