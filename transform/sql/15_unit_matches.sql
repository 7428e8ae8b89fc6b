-- unit_matches: one row per raw row (of any kind) whose unit text names at least one unit;
-- key (kind, file_id, sheet, row_no). A unit is matched by code, name, alias or suffixed
-- name, within the exporting unit's subtree when the source names one; matches > 1 means
-- the text is ambiguous there. Staging quarantines rows without exactly one match.
-- Built for the files of the run (mq_files_new); rows of files gone or replaced leave.
-- inputs: raw_cases, raw_visits, raw_services, ingest_files, ref_unit_names, ref_unit_tree,
-- mq_files_new, mq_files_gone.
create or replace temp view unit_matches_in_scope as
with raw as (
  select 'cases' as kind, file_id, sheet, row_no, unit from raw_cases semi join mq_files_new using (file_id)
  union all select 'visits', file_id, sheet, row_no, unit from raw_visits semi join mq_files_new using (file_id)
  union all select 'services', file_id, sheet, row_no, unit from raw_services semi join mq_files_new using (file_id)
)
select r.kind, r.file_id, r.sheet, r.row_no, count(distinct n.code) as matches, min(n.code) as unit_code
from raw r
join ingest_files f using (file_id)
join ref_unit_names n on n.name_key = mq_key(r.unit)
left join ref_unit_tree t on t.code = n.code and t.ancestor = f.exporter_unit
where f.exporter_unit is null or t.code is not null
group by all;

create table if not exists unit_matches as select * from unit_matches_in_scope limit 0;
delete from unit_matches where file_id in (select file_id from mq_files_gone union all select file_id from mq_files_new);
insert into unit_matches by name select * from unit_matches_in_scope;
