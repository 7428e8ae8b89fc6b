-- stg_visits: one row per raw visit row; stg_services: one row per raw service-activity
-- row; key (file_id, sheet, row_no). Typing, unit matching and the row's quarantine reason.
-- inputs: raw_visits, raw_services, ingest_files, unit_matches.
-- Personal data: household may name a family; it is never shown.
create or replace table stg_visits as
with raw as (
  select r.*, f.source, f.path, f.exporter_unit, f.snapshot_date, f.date_order
  from raw_visits r join ingest_files f using (file_id)
),
typed as (
  select r.file_id, r.sheet, r.row_no, r.source, r.path, r.bad_encoding, r.row_problem, r.row_problem_detail,
    um.unit_code, coalesce(um.matches, 0) as unit_matches, r.unit as unit_text,
    cast(mq_ts(r.visited_on, r.date_order) as date) as visited_on,
    nullif(trim(r.visitor), '') as visitor, nullif(trim(r.household), '') as household,
    coalesce(mq_int(r.persons), 1) as persons, coalesce(mq_int(r.opinions), 0) as opinions,
    coalesce(mq_int(r.problems_solved), 0) as problems_solved,
    nullif(upper(mq_key(r.case_no)), '') as case_no,
    coalesce(mq_key(r.visited_on), '') = '' or coalesce(mq_key(r.unit), '') = '' as missing,
    mq_bad_ts(r.visited_on, r.date_order) or mq_off_calendar(mq_ts(r.visited_on, r.date_order), (select min(day) from ref_calendar), (select max(day) from ref_calendar)) as bad_date,
    mq_bad_int(r.persons) or mq_bad_int(r.opinions) or mq_bad_int(r.problems_solved) as bad_number,
    r.snapshot_date
  from raw r left join unit_matches um on um.kind = 'visits' and um.file_id = r.file_id and um.sheet = r.sheet and um.row_no = r.row_no
)
select * exclude (missing, bad_date, bad_number),
  case
    when row_problem is not null then row_problem
    when bad_encoding then 'BAD_ENCODING'
    when missing then 'MISSING_FIELD'
    when bad_date then 'BAD_DATE'
    when unit_code is null or unit_matches <> 1 then 'UNKNOWN_UNIT'
    when bad_number then 'BAD_NUMBER'
    when snapshot_date is not null and visited_on > snapshot_date then 'FUTURE_DATE'
  end as reason,
  case
    when row_problem is not null then row_problem_detail
    when bad_encoding then 'bytes invalid in the file''s encoding'
    when missing then 'visited_on and unit are required'
    when bad_date then 'a date no accepted form parses, or one outside the years the working-day calendar covers'
    when unit_code is null or unit_matches <> 1 then 'unit not matched: ' || coalesce(unit_text, '')
    when bad_number then 'persons, opinions or problems_solved is not a whole number'
    when snapshot_date is not null and visited_on > snapshot_date then 'a date after the export''s own date'
  end as reason_detail
from typed;

create or replace table stg_services as
with raw as (
  select r.*, f.source, f.path, f.exporter_unit, f.snapshot_date, f.date_order
  from raw_services r join ingest_files f using (file_id)
),
typed as (
  select r.file_id, r.sheet, r.row_no, r.source, r.path, r.bad_encoding, r.row_problem, r.row_problem_detail,
    um.unit_code, coalesce(um.matches, 0) as unit_matches, r.unit as unit_text,
    cast(mq_ts(r.served_on, r.date_order) as date) as served_on,
    nullif(trim(r.team), '') as team, nullif(trim(r.kind), '') as kind,
    coalesce(mq_int(r.volunteers), 0) as volunteers, coalesce(mq_int(r.beneficiaries), 0) as beneficiaries,
    coalesce(mq_key(r.served_on), '') = '' or coalesce(mq_key(r.unit), '') = '' as missing,
    mq_bad_ts(r.served_on, r.date_order) or mq_off_calendar(mq_ts(r.served_on, r.date_order), (select min(day) from ref_calendar), (select max(day) from ref_calendar)) as bad_date,
    mq_bad_int(r.volunteers) or mq_bad_int(r.beneficiaries) as bad_number,
    r.snapshot_date
  from raw r left join unit_matches um on um.kind = 'services' and um.file_id = r.file_id and um.sheet = r.sheet and um.row_no = r.row_no
)
select * exclude (missing, bad_date, bad_number),
  case
    when row_problem is not null then row_problem
    when bad_encoding then 'BAD_ENCODING'
    when missing then 'MISSING_FIELD'
    when bad_date then 'BAD_DATE'
    when unit_code is null or unit_matches <> 1 then 'UNKNOWN_UNIT'
    when bad_number then 'BAD_NUMBER'
    when snapshot_date is not null and served_on > snapshot_date then 'FUTURE_DATE'
  end as reason,
  case
    when row_problem is not null then row_problem_detail
    when bad_encoding then 'bytes invalid in the file''s encoding'
    when missing then 'served_on and unit are required'
    when bad_date then 'a date no accepted form parses, or one outside the years the working-day calendar covers'
    when unit_code is null or unit_matches <> 1 then 'unit not matched: ' || coalesce(unit_text, '')
    when bad_number then 'volunteers or beneficiaries is not a whole number'
    when snapshot_date is not null and served_on > snapshot_date then 'a date after the export''s own date'
  end as reason_detail
from typed;

-- visits / services: one row per distinct activity with how many times it counts: a row
-- repeated in several exports counts as often as the file with most copies holds it.
create or replace table visits as
select unit_code, visited_on, visitor, household, persons, opinions, problems_solved, case_no, max(copies) as copies
from (
  select unit_code, visited_on, visitor, household, persons, opinions, problems_solved, case_no, file_id, count(*) as copies
  from stg_visits where reason is null group by all
) group by all;

create or replace table services as
select unit_code, served_on, team, kind, volunteers, beneficiaries, max(copies) as copies
from (
  select unit_code, served_on, team, kind, volunteers, beneficiaries, file_id, count(*) as copies
  from stg_services where reason is null group by all
) group by all;
