-- cases_all / cases: one row per case, its current state; key case_key. A case that lacks a date its later stage
-- needs is still a case: deadline_unknown names what is missing (docs/rules.md).
-- Each field comes from the newest version whose export has that column (docs/rules.md);
-- then the rules: withdrawn, closed, deadline on the working-day calendar, on time,
-- processing days less waiting.
-- inputs: case_versions, ref_calendar, ref_settings. Personal data: masked only;
-- citizen_ref / description_ref point at the raw row (file_id, sheet, row_no) that an
-- auditor's copy reads clear values from.
-- Built for the cases the run touches (mq_cases_touched, 30_case_versions.sql): their
-- former rows are kept aside in mq_cases_old, for the figures to take them back out.
create or replace temp view cases_in_scope as
with current_state as (
  select
    case_key,
    arg_min_null(case_no, version_rank) filter (where case_no is not null) as case_no,
    arg_min_null(unit_code, version_rank) as unit_code,
    -- A date-only value (a village ledger's) does not erase the time another export
    -- gives for the same date: the newest value with a time of that date is kept.
    arg_min_null(received_at, version_rank) as received_at_newest,
    arg_min_null(received_at, version_rank) filter (where received_has_time) as received_at_timed,
    arg_min_null(category, version_rank) as category,
    arg_min_null(item, version_rank) filter (where item_p) as item,
    arg_min_null(channel, version_rank) filter (where channel_p) as channel,
    arg_min_null(topic, version_rank) filter (where topic_p) as topic,
    arg_min_null(topic_levels, version_rank) filter (where topic_p) as topic_levels,
    arg_min_null(department, version_rank) filter (where department_p) as department,
    arg_min_null(verdict, version_rank) filter (where verdict is not null) as verdict,
    -- the first export (or update) that showed the case 已办结: a case closed without a
    -- closure date counts as closed in close_rate from then on (CLOSED_WITHOUT_DATE)
    min(coalesce(snapshot_date, cast(version_at as date))) filter (where status = '已办结') as closed_seen_date,
    arg_min_null(promised_days, version_rank) filter (where promised_days_p) as promised_days,
    arg_min_null(catalogue_days, version_rank) filter (where item_p) as catalogue_days,
    arg_min_null(due_at, version_rank) filter (where due_at_p) as due_at,
    arg_min_null(supplement_requested_at, version_rank) filter (where supplement_requested_at_p) as supplement_requested_at,
    arg_min_null(supplement_done_at, version_rank) filter (where supplement_done_at_p) as supplement_done_at,
    arg_min_null(escalated_at, version_rank) filter (where escalated_at_p) as escalated_at,
    arg_min_null(reply_at, version_rank) filter (where reply_at_p) as reply_at,
    arg_min_null(closed_at, version_rank) filter (where closed_at_p) as closed_at_newest,
    arg_min_null(closed_at, version_rank) filter (where closed_at_p and closed_has_time) as closed_at_timed,
    arg_min_null(status, version_rank) filter (where status_p) as status,
    arg_min_null(result, version_rank) filter (where result_p) as result,
    arg_min_null(first_contact_at, version_rank) filter (where first_contact_at_p) as first_contact_at,
    bool_or(first_contact_at_p) as first_contact_exported,
    bool_or(result_p) as result_exported,
    bool_or(satisfaction_p) as satisfaction_exported,
    arg_min_null(feedback_at, version_rank) filter (where feedback_at_p) as feedback_at,
    arg_min_null(feedback_method, version_rank) filter (where feedback_method_p) as feedback_method,
    arg_min_null(satisfaction, version_rank) filter (where satisfaction_p) as satisfaction,
    coalesce(arg_min_null(is_proxy, version_rank) filter (where proxy_p), false) as is_proxy,
    arg_min_null(handler, version_rank) filter (where handler_p) as handler,
    arg_min_null(citizen_name_masked, version_rank) filter (where citizen_name_masked is not null) as citizen_name_masked,
    arg_min_null(citizen_phone_masked, version_rank) filter (where citizen_phone_masked is not null) as citizen_phone_masked,
    arg_min_null(description, version_rank) filter (where description_p) as description,
    -- where the citizen and the description came from, for an auditor's copy
    arg_min_null(mq_row_ref(file_id, sheet, row_no), version_rank)
      filter (where citizen_name_masked is not null or citizen_phone_masked is not null) as citizen_ref,
    arg_min_null(mq_row_ref(file_id, sheet, row_no), version_rank) filter (where description_p) as description_ref,
    -- the newest date an export (or an update) showed the case open: a closure dated
    -- before it was back-dated (docs/rules.md "Flags for auditors")
    max(coalesce(snapshot_date, cast(version_at as date)))
      filter (where closed_at_p and closed_at is null and coalesce(status not in ('已退回', '已撤销'), true)) as last_seen_open_date,
    count(*) as versions,
    bool_and(case_no is null) as no_case_no,
    max(version_at) as version_at
  from case_versions
  where case_key in (select case_key from mq_cases_touched)
  group by case_key
),
timed as (
  select * exclude (received_at_newest, received_at_timed, closed_at_newest, closed_at_timed),
    case when cast(received_at_timed as date) = cast(received_at_newest as date) then received_at_timed
         else received_at_newest end as received_at,
    case when cast(closed_at_timed as date) = cast(closed_at_newest as date) then closed_at_timed
         else closed_at_newest end as closed_at
  from current_state
),
dated as (
  select *,
    cast(received_at as date) as received_date,
    coalesce(status in ('已退回', '已撤销'), false) as is_withdrawn,
    cast(closed_at as date) as closed_date_any,
    case category
      when '承诺件' then coalesce(promised_days, catalogue_days)
      when '补办件' then coalesce(promised_days, catalogue_days)
      when '上报件' then (select escalated_reply_days from ref_settings)
      when '即办件' then (select immediate_days from ref_settings)
      when '建议件' then (select referred_days from ref_settings)
      else 0
    end as limit_days,
    case category
      when '补办件' then cast(supplement_done_at as date)
      when '上报件' then cast(reply_at as date)
      else cast(received_at as date)
    end as clock_start_date
  from timed
),
with_deadline as (
  select d.*,
    not d.is_withdrawn and d.closed_at is not null as is_closed,
    not d.is_withdrawn and d.closed_at is null and d.status = '已办结' as is_closed_undated,
    case when d.clock_start_date is null then null
         when d.limit_days = 0 then d.clock_start_date
         else due.day end as deadline,
    -- waiting on the citizen's documents or the higher level's reply does not count
    -- NULL where an end of the waiting is not known
    case d.category
      when '补办件' then c_done.workday_no - c_req.workday_no
      when '上报件' then c_reply.workday_no - c_esc.workday_no
      else 0 end as waiting_days,
    c_closed.workday_no - c_recv.workday_no as gross_days
  from dated d
  left join ref_calendar c_start on c_start.day = d.clock_start_date
  left join ref_calendar due on due.is_workday and due.workday_no = c_start.workday_no + d.limit_days
  left join ref_calendar c_recv on c_recv.day = d.received_date
  left join ref_calendar c_closed on c_closed.day = d.closed_date_any
  left join ref_calendar c_req on c_req.day = cast(d.supplement_requested_at as date)
  left join ref_calendar c_done on c_done.day = cast(d.supplement_done_at as date)
  left join ref_calendar c_esc on c_esc.day = cast(d.escalated_at as date)
  left join ref_calendar c_reply on c_reply.day = cast(d.reply_at as date)
)
select
  case_key, case_no, unit_code, received_at, received_date, category, item, channel, topic, topic_levels, department, verdict,
  is_closed_undated, case when is_closed_undated then closed_seen_date end as closed_seen_date,
  promised_days, catalogue_days, limit_days, due_at, supplement_requested_at, supplement_done_at,
  escalated_at, reply_at, closed_at, status, result, first_contact_at, first_contact_exported,
  result_exported, satisfaction_exported,
  feedback_at, feedback_method, satisfaction, is_proxy, handler, citizen_name_masked,
  citizen_phone_masked, description, citizen_ref, description_ref, versions, no_case_no, version_at,
  is_withdrawn, is_closed, last_seen_open_date,
  case when is_closed then closed_date_any end as closed_date,
  is_closed and closed_date_any < last_seen_open_date as is_backdated_closure,
  clock_start_date, deadline,
  -- documents or the reply not yet in (or their date not known), the case open: not yet due
  clock_start_date is null and not is_withdrawn and not is_closed and not is_closed_undated
    and category in ('补办件', '上报件') as is_waiting,
  is_closed and closed_date_any <= deadline as is_on_time,
  -- processing days need the deadline and, for 补办件 / 上报件, both ends of the waiting
  case when is_closed and deadline is not null and waiting_days is not null then gross_days - waiting_days end as processing_days,
  due_at is not null and deadline is not null and cast(due_at as date) <> deadline as due_mismatch,
  first_contact_at is not null
    and first_contact_at <= received_at + (select response_hours from ref_settings) * interval 1 hour as responded_in_24h,
  -- DEADLINE_UNKNOWN: what the case lacks for its deadline or its waiting (never withdrawn)
  nullif(case when is_withdrawn then '' else concat_ws('、',
    case when category in ('承诺件', '补办件') and limit_days is null then '承诺时限' end,
    case when category = '补办件' and supplement_requested_at is null then '补正告知日期' end,
    case when category = '补办件' and is_closed and supplement_done_at is null then '补齐日期' end,
    case when category = '上报件' and escalated_at is null then '上报日期' end,
    case when category = '上报件' and is_closed and reply_at is null then '上级批复日期' end) end, '') as deadline_unknown
from with_deadline;

-- only on duckdb
create table if not exists cases_all as select * from cases_in_scope limit 0;
-- only on duckdb
create or replace temp table mq_cases_old as
select * from cases_all where case_key in (select case_key from mq_cases_touched);
-- only on duckdb
delete from cases_all where case_key in (select case_key from mq_cases_touched);
-- only on duckdb
insert into cases_all by name select * from cases_in_scope;
-- only on spark
create or replace temp table cases_all as select * from cases_in_scope;

-- cases: every case. A case is never quarantined for what it lacks: a missing later-stage
-- date is DEADLINE_UNKNOWN, a closure stated without a date is CLOSED_WITHOUT_DATE.
create or replace view cases as select * from cases_all;
