-- case_versions: one row per valid version of a case (a row that passed every row check
-- and whose case does not conflict); key (file_id, sheet, row_no).
-- case_conflicts: one row per case whose versions disagree on receipt date or unit.
-- inputs: stg_cases. Personal data: none in clear.
create or replace table case_versions_all as
with ok as (
  select *,
    md5(concat_ws('|', unit_code, cast(cast(received_at as date) as varchar), coalesce(citizen_key, ''), mq_desc_key(description))) as fingerprint
  from stg_cases where reason is null
),
-- a version without a number takes the one number of the versions sharing its fingerprint
adopted as (
  select fingerprint, min(case_no) as only_case_no
  from ok where case_no is not null
  group by fingerprint having count(distinct case_no) = 1
),
keyed as (
  select ok.*, coalesce(ok.case_no, a.only_case_no, 'fp:' || ok.fingerprint) as case_key
  from ok left join adopted a using (fingerprint)
)
select *,
  -- newest first; ties break on the file's content hash and the row, never on load order
  row_number() over (partition by case_key order by version_at desc, file_id desc, sheet desc, row_no desc) as version_rank
from keyed;

create or replace table case_conflicts as
select case_key,
  count(distinct cast(received_at as date)) > 1 as received_differs,
  count(distinct unit_code) > 1 as unit_differs,
  concat_ws('; ',
    case when count(distinct cast(received_at as date)) > 1 then
      'received_at: ' || string_agg(distinct cast(cast(received_at as date) as varchar), ' vs ' order by cast(cast(received_at as date) as varchar)) end,
    case when count(distinct unit_code) > 1 then
      'unit: ' || string_agg(distinct unit_code, ' vs ' order by unit_code) end) as detail
from case_versions_all
group by case_key
having count(distinct cast(received_at as date)) > 1 or count(distinct unit_code) > 1;

create or replace table case_versions as
select v.* from case_versions_all v anti join case_conflicts c using (case_key);
