-- case_versions_all: one row per row that passed every row check, with the case it is a
-- version of; key (file_id, sheet, row_no). case_versions: those of cases whose versions
-- do not conflict. case_conflicts: one row per case whose versions disagree on receipt
-- date or unit.
-- inputs: stg_cases, mq_files_new, mq_files_gone. Personal data: none in clear.
--
-- Built for what the run's files touch: a new row's case, and every case a row sharing
-- its fingerprint belonged to or now belongs to (a row without a number takes the one
-- number of the rows sharing its fingerprint, and a new row may give or take that
-- number). mq_cases_touched lists those cases; every later case model rebuilds them
-- alone. With every file new (a full build) that is every case.
--
-- On Spark (transform/dialect) every build is full: the statements marked "only on duckdb"
-- keep the store's tables from run to run, those marked "only on spark" stand in for them.
create or replace temp table mq_rows_new as
select *,
  md5(concat_ws('|', unit_code, cast(cast(received_at as date) as varchar), coalesce(citizen_key, ''), mq_desc_key(description))) as fingerprint
from stg_cases semi join mq_files_new using (file_id)
where reason is null;

-- only on duckdb
create table if not exists case_versions_all as
select *, ''::varchar as case_key, 0::bigint as version_rank from mq_rows_new limit 0;

-- only on duckdb
-- fingerprints whose number adoption may change: the new rows' and the gone rows'
create or replace temp table mq_fp as
select fingerprint from mq_rows_new
union
select fingerprint from case_versions_all semi join mq_files_gone using (file_id);

-- only on duckdb
-- the kept rows of those fingerprints (none in a full build); with the new rows, every
-- ok row of those fingerprints
create or replace temp table mq_kept as
select * exclude (case_key, version_rank) from case_versions_all
where fingerprint in (select fingerprint from mq_fp) and file_id not in (select file_id from mq_files_gone);

-- only on duckdb
create or replace temp view mq_pool as select * from mq_kept union all by name select * from mq_rows_new;
-- only on spark
create or replace temp view mq_pool as select * from mq_rows_new;

create or replace temp view mq_keyed as
with adopted as (
  -- a version without a number takes the one number of the versions sharing its fingerprint
  select fingerprint, min(case_no) as only_case_no
  from mq_pool where case_no is not null
  group by fingerprint having count(distinct case_no) = 1
)
select p.*, coalesce(p.case_no, a.only_case_no, 'fp:' || p.fingerprint) as case_key
-- "on", not "using": Spark would put a using join's column first in p.*
from mq_pool p left join adopted a on a.fingerprint = p.fingerprint;

-- only on duckdb
create or replace temp table mq_cases_touched as
select case_key from mq_keyed
union
select case_key from case_versions_all where fingerprint in (select fingerprint from mq_fp);
-- only on spark
create or replace temp table mq_cases_touched as select distinct case_key from mq_keyed;

-- only on duckdb
-- the other versions of the touched cases, which keep their key (none in a full build)
create or replace temp table mq_outside as
select * exclude (version_rank) from case_versions_all
where case_key in (select case_key from mq_cases_touched) and fingerprint not in (select fingerprint from mq_fp);

-- only on duckdb
create or replace temp view mq_versions_in as select * from mq_keyed union all by name select * from mq_outside;
-- only on spark
create or replace temp view mq_versions_in as select * from mq_keyed;

create or replace temp view mq_versions_ranked as
select *,
  -- newest first; ties break on the file's content hash and the row, never on load order
  -- (bigint on both engines: Spark's row_number() is an int)
  cast(row_number() over (partition by case_key order by version_at desc, file_id desc, sheet desc, row_no desc) as bigint) as version_rank
from mq_versions_in;

-- only on duckdb
delete from case_versions_all where case_key in (select case_key from mq_cases_touched);
-- only on duckdb
insert into case_versions_all by name select * from mq_versions_ranked;
-- only on spark
create or replace temp table case_versions_all as select * from mq_versions_ranked;

create or replace temp view mq_conflicts_in as
select case_key,
  count(distinct cast(received_at as date)) > 1 as received_differs,
  count(distinct unit_code) > 1 as unit_differs,
  concat_ws('; ',
    case when count(distinct cast(received_at as date)) > 1 then 'received_at: ' || array_to_string(array_sort(array_distinct(
      array_agg(cast(cast(received_at as date) as varchar)) filter (where received_at is not null))), ' vs ') end,
    case when count(distinct unit_code) > 1 then 'unit: ' || array_to_string(array_sort(array_distinct(
      array_agg(unit_code) filter (where unit_code is not null))), ' vs ') end) as detail
from case_versions_all
where case_key in (
  -- only a case of two versions or more can disagree with itself: the distinct counts
  -- and lists then run over those few (a million single-version cases took 2.3 s)
  select case_key from case_versions_all
  where case_key in (select case_key from mq_cases_touched)
  group by case_key having count(*) > 1)
group by case_key
having count(distinct cast(received_at as date)) > 1 or count(distinct unit_code) > 1;

-- only on duckdb
create table if not exists case_conflicts (case_key varchar, received_differs boolean, unit_differs boolean, detail varchar);
-- only on duckdb
delete from case_conflicts where case_key in (select case_key from mq_cases_touched);
-- only on duckdb
insert into case_conflicts select * from mq_conflicts_in;
-- only on spark
create or replace temp table case_conflicts as select * from mq_conflicts_in;

create or replace view case_versions as
select v.* from case_versions_all v anti join case_conflicts c using (case_key);
