-- audit_flags: one row per thing that deserves an auditor's look (docs/rules.md "Flags
-- for auditors"); key (flag, unit_code, case_key, period_id, source).
--   DUE_MISMATCH                 the recorded 办结期限 differs from the computed deadline
--   BACKDATED_CLOSURE            closed on a date before an export that showed it open
--   SATISFACTION_BEFORE_CLOSURE  an export shows a rating while the case is open
--   QUARTER_END_CLOSURES         a unit closing many of its own cases on a quarter's last
--                                working day (rules.quarter_end_min_cases, quarter_end_factor)
--   EXPORTS_STOPPED              a unit's newest export in a village- or township-level
--                                source is rules.export_gap_days or more older than the source's
--   DEADLINE_UNKNOWN             a case lacking a date (or the limit) its deadline or its
--                                waiting needs: counted, but kept out of what needs it
--   CLOSED_WITHOUT_DATE          a case an export states closed without a closure date
--   LONG_WAIT                    a 补办件 or 上报件 that waited (or still waits, at the newest
--                                export) for documents or a reply past rules.long_wait_days
-- day is the date the flag is about (deadline, closure, the last working day, the unit's
-- newest export), for filtering by period.
-- inputs: cases, case_versions, periods, ref_calendar, ref_settings, ref_units,
-- ref_unit_tree, ingest_files, unit_exports. Personal data: none.
create or replace table audit_flags as
with settings as (select * from ref_settings),
quarters as (
  select p.period_id, p.start_date, p.end_date,
    (select max(day) from ref_calendar c where c.is_workday and c.day between p.start_date and p.end_date) as last_workday,
    (select count(*) from ref_calendar c where c.is_workday and c.day between p.start_date and p.end_date) as workdays
  from periods p where p.kind = 'quarter'
),
quarter_end as (
  select q.period_id, c.unit_code, q.last_workday,
    count(*) filter (where c.closed_date = q.last_workday) as on_last,
    count(*) as closed, q.workdays
  from quarters q join cases c on c.is_closed and c.closed_date between q.start_date and q.end_date
  group by all
),
rated_open as (
  select case_key, min(coalesce(snapshot_date, cast(version_at as date))) as first_seen
  from case_versions
  where satisfaction_p and satisfaction in ('满意', '基本满意', '不满意')
    and closed_at_p and closed_at is null and coalesce(status not in ('已退回', '已撤销'), true)
  group by case_key
),
exported_units as (
  -- the exporting unit of each file (64_unit_exports.sql)
  select distinct source, snapshot_date, unit_code
  from unit_exports where exported and snapshot_date is not null
),
stopped as (
  select e.source, e.unit_code, max(e.snapshot_date) as last_export, s.latest
  from exported_units e
  join (select source, max(snapshot_date) as latest from ingest_files where snapshot_date is not null group by source) s using (source)
  group by e.source, e.unit_code, s.latest
  having date_diff('day', max(e.snapshot_date), s.latest) >= (select export_gap_days from settings)
),
waits as (
  -- from the request or escalation to the documents or the reply; one not come yet is
  -- measured to the newest export (a closed case without that date is DEADLINE_UNKNOWN)
  select c.case_key, c.unit_code, c.category, c.is_closed or c.is_closed_undated as closed, s.long_wait_days,
    cast(case c.category when '补办件' then c.supplement_requested_at else c.escalated_at end as date) as since,
    cast(case c.category when '补办件' then c.supplement_done_at else c.reply_at end as date) as ended,
    n.newest
  from cases c, settings s, (select max(snapshot_date) as newest from ingest_files) n
  where c.category in ('补办件', '上报件') and not c.is_withdrawn
),
measured as (
  select w.*, k_since.workday_no as since_no, k_until.workday_no - k_since.workday_no as waited
  from waits w
  join ref_calendar k_since on k_since.day = w.since
  join ref_calendar k_until on k_until.day = coalesce(w.ended, w.newest)
  where w.ended is not null or not w.closed
),
long_waits as (
  select m.*, k_long.day as long_day
  from measured m
  join ref_calendar k_long on k_long.workday_no = m.since_no + m.long_wait_days + 1 and k_long.is_workday
  where m.waited > m.long_wait_days
)
select 'DUE_MISMATCH' as flag, unit_code, case_key, null::varchar as period_id, null::varchar as source, deadline as day,
  '登记办结期限 ' || strftime(cast(due_at as date), '%Y-%m-%d') || '，按规则应为 ' || strftime(deadline, '%Y-%m-%d') as detail
from cases where due_mismatch and not is_withdrawn
union all
select 'BACKDATED_CLOSURE', unit_code, case_key, null, null, closed_date,
  '办结日期 ' || strftime(closed_date, '%Y-%m-%d') || ' 早于 ' || strftime(last_seen_open_date, '%Y-%m-%d') || ' 的导出（当时仍显示未办结）'
from cases where is_backdated_closure
union all
select 'SATISFACTION_BEFORE_CLOSURE', c.unit_code, c.case_key, null, null, coalesce(c.closed_date, r.first_seen),
  strftime(r.first_seen, '%Y-%m-%d') || ' 的导出在未办结时已有满意度评价'
from cases c join rated_open r using (case_key)
union all
select 'QUARTER_END_CLOSURES', unit_code, null, period_id, null, last_workday,
  '季度最后一个工作日 ' || strftime(last_workday, '%Y-%m-%d') || ' 办结 ' || on_last || ' 件，本季度共办结 ' || closed
    || ' 件（' || workdays || ' 个工作日，日均 ' || round(closed / workdays, 2) || ' 件）'
from quarter_end
where on_last >= (select quarter_end_min_cases from settings)
  and on_last * workdays >= (select quarter_end_factor from settings) * closed
union all
select 'DEADLINE_UNKNOWN', unit_code, case_key, null, null, coalesce(closed_date, received_date),
  '缺' || deadline_unknown || case
    when is_closed and deadline is null then '：期限无法计算，不计入按时办结率和办理时长'
    when is_closed then '：等待时长无法计算，不计入办理时长'
    when deadline is null then '：期限尚无法计算，尚未到期'
    else '：等待时长无法计算' end
from cases where deadline_unknown is not null
union all
select 'CLOSED_WITHOUT_DATE', unit_code, case_key, null, null, closed_seen_date,
  strftime(closed_seen_date, '%Y-%m-%d') || ' 的导出显示已办结，但无办结日期：计入办结率，不计入办结量、按时办结率和办理时长'
from cases where is_closed_undated
union all
select 'LONG_WAIT', unit_code, case_key, null, null, long_day,
  strftime(since, '%Y-%m-%d') || case category when '补办件' then ' 起等待补正材料' else ' 起等待上级批复' end
    || case when ended is not null then '，至 ' || strftime(ended, '%Y-%m-%d') || ' 共 ' else '，至最新导出 ' || strftime(newest, '%Y-%m-%d') || ' 已 ' end
    || waited || ' 个工作日，超过 ' || long_wait_days || ' 个工作日'
from long_waits
union all
select 'EXPORTS_STOPPED', unit_code, null, null, source, last_export,
  '来源 ' || source || ' 最近一次导出为 ' || strftime(last_export, '%Y-%m-%d') || '，该来源最新导出为 ' || strftime(latest, '%Y-%m-%d')
from stopped;
