-- unit_exports: one row per (file, unit, month) for the loaded rows a file holds of a
-- unit, its own or its units' (the unit is each row's unit or an ancestor of it); key
-- (file_id, unit_code, row_month). row_month is the first day of the month of the row's
-- own date (a case's receipt, a visit's, a service's day), NULL for a row without one.
-- exported is true where the unit is the file's exporting unit: the file's source is
-- village- or township-level and the unit is at that level (docs/rules.md "Who
-- reported"); the auditors' EXPORTS_STOPPED and the 报送情况 sheet both read it.
-- inputs: stg_cases, stg_visits, stg_services, ingest_files, ref_unit_tree, ref_units.
-- Personal data: none.
create or replace table unit_exports as
with loaded as (
  select file_id, unit_code, cast(received_at as date) as row_day from stg_cases where reason is null
  union all select file_id, unit_code, visited_on from stg_visits where reason is null
  union all select file_id, unit_code, served_on from stg_services where reason is null
),
final as (
  select f.file_id, f.source, f.level, f.snapshot_date, t.ancestor as unit_code,
    cast(date_trunc('month', r.row_day) as date) as row_month,
    f.level in ('village', 'township') and a.level = f.level as exported,
    count(*) as rows
  from loaded r
  join ingest_files f using (file_id)
  join ref_unit_tree t on t.code = r.unit_code
  join ref_units a on a.code = t.ancestor
  group by all
)
select * from final;
