-- figure_cases: one row per (case, period, case figure); key (case_key, period_id, figure_id).
-- Which cases make each case figure's numerator and denominator, read from the very
-- flags of case_period_facts that figure_values counts, so that `minqing explain` and the
-- workbook's case lists cannot drift from the published figures: the data test
-- tests/figure_cases_match.sql sums this view back to figure_values after every transform.
--   in_num      the case counts in the numerator (for counts: in the figure)
--   num_weight  what it counts for there: 1, the 部分解决 weight, or its processing days
--   in_den      the case counts in the denominator (NULL for figures without one)
--   excluded    why a case of the period stays out of the denominator, where it does
-- inputs: case_period_facts, ref_settings. Personal data: none.
create or replace view figure_cases as
with f as (
  select f.*, s.partial_weight, s.satisfied_labels,
    f.satisfaction in ('满意', '基本满意', '不满意') as is_rated,
    f.is_withdrawn and cast(f.closed_at as date) between f.start_date and f.end_date as withdrawn_closed_in,
    f.is_withdrawn and f.deadline between f.start_date and f.end_date as withdrawn_due_in,
    'DEADLINE_UNKNOWN：缺' || f.deadline_unknown as unknown_note,
    -- documents or reply still awaited at the cutoff (they may have come since)
    f.category in ('补办件', '上报件') and not f.is_withdrawn
      and cast(case f.category when '补办件' then f.supplement_requested_at else f.escalated_at end as date) <= f.cutoff
      and (f.clock_start_date is null or f.clock_start_date > f.cutoff)
      and not (f.is_closed and f.closed_date <= f.cutoff) as waiting_at_cutoff
  from case_period_facts f, ref_settings s
),
membership as (
  -- one struct per figure, unnested: a select-list unnest keeps a filter on period_id
  -- below it (a lateral VALUES join is decorrelated over every row of every period first,
  -- 10x slower for one period's list); the first struct's types are every struct's
  select f.period_id, f.case_key, f.unit_code, unnest([
    {figure_id: 'received',
      in_num: f.in_received,
      num_weight: 1.0::double,
      in_den: null::boolean,
      excluded: null::varchar},
    {figure_id: 'closed',
      in_num: f.in_closed,
      num_weight: 1.0::double,
      in_den: null::boolean,
      excluded: case when f.withdrawn_closed_in then '已退回/已撤销：不计为办结' end},
    {figure_id: 'close_rate',
      in_num: f.closed_by_cutoff,
      num_weight: 1.0::double,
      in_den: f.in_received_active,
      excluded: case when f.in_received and f.is_withdrawn then '已退回/已撤销：不计入办结率' end},
    {figure_id: 'on_time_rate',
      in_num: f.in_closed and f.is_on_time,
      num_weight: 1.0::double,
      in_den: f.in_closed and f.deadline is not null,
      excluded: case when f.withdrawn_closed_in then '已退回/已撤销：不计为办结'
        when f.in_closed and f.deadline is null then f.unknown_note || '，期限无法计算：不计入按时办结率' end},
    {figure_id: 'due_on_time_rate',
      in_num: f.in_due and f.due_met,
      num_weight: 1.0::double,
      in_den: f.in_due,
      excluded: case when f.withdrawn_due_in then '已退回/已撤销：不计入按期办结率'
        when f.is_closed_undated and f.deadline between f.start_date and f.end_date then 'CLOSED_WITHOUT_DATE：已办结但无办结日期，不计入按期办结率'
        when f.in_received and f.waiting_at_cutoff then
          case f.category when '补办件' then '待补正材料：时限自材料补齐之日起算，尚未到期'
                          else '待上级批复：时限自批复之日起算，尚未到期' end
        when f.in_received and f.deadline is null and f.deadline_unknown is not null then
          f.unknown_note || '，期限无法计算：尚未到期' end},
    {figure_id: 'overdue_open',
      in_num: f.is_overdue_open,
      num_weight: 1.0::double,
      in_den: null::boolean,
      excluded: null::varchar},
    {figure_id: 'avg_days',
      in_num: f.in_closed and f.processing_days is not null,
      num_weight: cast(f.processing_days as double),
      in_den: f.in_closed and f.processing_days is not null,
      excluded: case when f.in_closed and f.processing_days is null then f.unknown_note || '，办理时长无法计算' end},
    {figure_id: 'median_days',
      in_num: f.in_closed and f.processing_days is not null,
      num_weight: cast(f.processing_days as double),
      in_den: f.in_closed and f.processing_days is not null,
      excluded: case when f.in_closed and f.processing_days is null then f.unknown_note || '，办理时长无法计算' end},
    {figure_id: 'resolution_rate',
      in_num: f.in_closed and f.result_exported and f.result is distinct from '已解释',
      num_weight: cast(case f.result when '已解决' then 1.0 when '部分解决' then f.partial_weight else 0.0 end as double),
      in_den: f.in_closed and f.result_exported and f.result is distinct from '已解释',
      excluded: case when f.in_closed and f.result = '已解释' then '办理结果为已解释：不计入解决率'
        when f.in_closed and not f.result_exported then '所在导出均无办理结果列' end},
    {figure_id: 'response_rate',
      in_num: f.in_received_active and f.first_contact_exported and f.responded_in_24h,
      num_weight: 1.0::double,
      in_den: f.in_received_active and f.first_contact_exported,
      excluded: case when f.in_received and f.is_withdrawn then '已退回/已撤销：不计入响应率'
        when f.in_received_active and not f.first_contact_exported then '所在导出均无首次联系时间列' end},
    {figure_id: 'satisfaction_rate',
      in_num: f.in_closed and f.is_rated and list_contains(f.satisfied_labels, f.satisfaction),
      num_weight: 1.0::double,
      in_den: f.in_closed and f.is_rated,
      excluded: case when f.in_closed and not f.satisfaction_exported then '所在导出均无满意度列'
        when f.in_closed and not f.is_rated then '未评价：不计入满意率' end},
    {figure_id: 'rating_rate',
      in_num: f.in_closed and f.is_rated,
      num_weight: 1.0::double,
      in_den: f.in_closed and f.satisfaction_exported,
      excluded: case when f.in_closed and not f.satisfaction_exported then '所在导出均无满意度列' end},
    {figure_id: 'proxy_cases',
      in_num: f.in_received and f.is_proxy,
      num_weight: 1.0::double,
      in_den: null::boolean,
      excluded: null::varchar},
    {figure_id: 'stated_on_time_rate',
      in_num: f.in_received and f.verdict = '按期',
      num_weight: 1.0::double,
      in_den: f.in_received and f.verdict is not null,
      excluded: case when f.in_received and f.verdict is null then '导出未注明平台判定' end},
    {figure_id: 'proxy_on_time_rate',
      in_num: f.in_closed and f.is_proxy and f.is_on_time,
      num_weight: 1.0::double,
      in_den: f.in_closed and f.is_proxy and f.deadline is not null,
      excluded: case when f.in_closed and f.is_proxy and f.deadline is null then f.unknown_note || '，期限无法计算：不计入按时办结率' end}
  ], recursive := true)
  from f
)
select period_id, case_key, unit_code, figure_id, coalesce(in_num, false) as in_num, num_weight,
  case when figure_id in ('received', 'closed', 'overdue_open', 'proxy_cases') then null
       else coalesce(in_den, false) end as in_den,
  excluded
from membership
where in_num or in_den or excluded is not null;
