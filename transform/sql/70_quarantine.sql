-- quarantine: one row per raw row that was not loaded; key (kind, file_id, sheet, row_no).
-- CONFLICT rows are every version of a case whose versions disagree (both values named);
-- inputs: stg_cases, stg_visits, stg_services, case_versions_all, case_conflicts.
create or replace table quarantine as
select 'cases' as kind, file_id, source, path, sheet, row_no, reason, reason_detail as detail, case_no
from stg_cases where reason is not null
union all
select 'cases', v.file_id, v.source, v.path, v.sheet, v.row_no, 'CONFLICT',
  'case ' || v.case_key || ' versions disagree: ' || c.detail, v.case_no
from case_versions_all v join case_conflicts c using (case_key)
union all
select 'visits', file_id, source, path, sheet, row_no, reason, reason_detail, case_no from stg_visits where reason is not null
union all
select 'services', file_id, source, path, sheet, row_no, reason, reason_detail, null from stg_services where reason is not null;

-- source_accounting: one row per loaded file; key file_id.
-- rows_read = loaded + quarantined + skipped (checked by tests/accounting_balances.sql).
create or replace table source_accounting as
with q as (
  select file_id, sum(n) as quarantined, map(list(reason order by reason), list(n order by reason)) as by_reason
  from (select file_id, reason, count(*) as n from quarantine group by all) group by file_id
)
select f.file_id, f.source, f.kind, f.path, f.rows_read,
  f.rows_data - coalesce(q.quarantined, 0) as loaded,
  coalesce(q.quarantined, 0) as quarantined,
  f.skipped_title + f.skipped_header + f.skipped_blank + f.skipped_totals + f.skipped_footer + f.skipped_sheet as skipped,
  f.skipped_title, f.skipped_header, f.skipped_blank, f.skipped_totals, f.skipped_footer, f.skipped_sheet,
  coalesce(q.by_reason, map()) as quarantined_by, f.rows_data, f.snapshot_date, f.loaded_at
from ingest_files f left join q using (file_id);
