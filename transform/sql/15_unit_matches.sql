-- unit_matches: one row per raw row (of any kind) whose unit text names at least one unit;
-- key (kind, file_id, sheet, row_no). A unit is matched by code, name, alias or suffixed
-- name, within the exporting unit's subtree when the source names one; matches > 1 means
-- the text is ambiguous there. Staging quarantines rows without exactly one match.
-- inputs: raw_cases, raw_visits, raw_services, ingest_files, ref_unit_names, ref_unit_tree.
create or replace table unit_matches as
with raw as (
  select 'cases' as kind, file_id, sheet, row_no, unit from raw_cases
  union all select 'visits', file_id, sheet, row_no, unit from raw_visits
  union all select 'services', file_id, sheet, row_no, unit from raw_services
)
select r.kind, r.file_id, r.sheet, r.row_no, count(distinct n.code) as matches, min(n.code) as unit_code
from raw r
join ingest_files f using (file_id)
join ref_unit_names n on n.name_key = mq_key(r.unit)
left join ref_unit_tree t on t.code = n.code and t.ancestor = f.exporter_unit
where f.exporter_unit is null or t.code is not null
group by all;
