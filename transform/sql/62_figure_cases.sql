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
  select f.period_id, f.case_key, f.unit_code, v.*
  from f, lateral (values
    ('received', f.in_received, 1.0::double, null::boolean, null::varchar),
    ('closed', f.in_closed, 1.0, null, case when f.withdrawn_closed_in then '已退回/已撤销：不计为办结' end),
    ('close_rate', f.closed_by_cutoff, 1.0, f.in_received_active,
      case when f.in_received and f.is_withdrawn then '已退回/已撤销：不计入办结率' end),
    ('on_time_rate', f.in_closed and f.is_on_time, 1.0, f.in_closed and f.deadline is not null,
      case when f.withdrawn_closed_in then '已退回/已撤销：不计为办结'
           when f.in_closed and f.deadline is null then f.unknown_note || '，期限无法计算：不计入按时办结率' end),
    ('due_on_time_rate', f.in_due and f.due_met, 1.0, f.in_due,
      case when f.withdrawn_due_in then '已退回/已撤销：不计入按期办结率'
           when f.is_closed_undated and f.deadline between f.start_date and f.end_date then 'CLOSED_WITHOUT_DATE：已办结但无办结日期，不计入按期办结率'
           when f.in_received and f.waiting_at_cutoff then
             case f.category when '补办件' then '待补正材料：时限自材料补齐之日起算，尚未到期'
                             else '待上级批复：时限自批复之日起算，尚未到期' end
           when f.in_received and f.deadline is null and f.deadline_unknown is not null then
             f.unknown_note || '，期限无法计算：尚未到期' end),
    ('overdue_open', f.is_overdue_open, 1.0, null, null),
    ('avg_days', f.in_closed and f.processing_days is not null, cast(f.processing_days as double),
      f.in_closed and f.processing_days is not null,
      case when f.in_closed and f.processing_days is null then f.unknown_note || '，办理时长无法计算' end),
    ('median_days', f.in_closed and f.processing_days is not null, cast(f.processing_days as double),
      f.in_closed and f.processing_days is not null,
      case when f.in_closed and f.processing_days is null then f.unknown_note || '，办理时长无法计算' end),
    ('resolution_rate', f.in_closed and f.result_exported and f.result is distinct from '已解释',
      case f.result when '已解决' then 1.0 when '部分解决' then f.partial_weight else 0.0 end,
      f.in_closed and f.result_exported and f.result is distinct from '已解释',
      case when f.in_closed and f.result = '已解释' then '办理结果为已解释：不计入解决率'
           when f.in_closed and not f.result_exported then '所在导出均无办理结果列' end),
    ('response_rate', f.in_received_active and f.first_contact_exported and f.responded_in_24h, 1.0,
      f.in_received_active and f.first_contact_exported,
      case when f.in_received and f.is_withdrawn then '已退回/已撤销：不计入响应率'
           when f.in_received_active and not f.first_contact_exported then '所在导出均无首次联系时间列' end),
    ('satisfaction_rate', f.in_closed and f.is_rated and list_contains(f.satisfied_labels, f.satisfaction), 1.0,
      f.in_closed and f.is_rated, case when f.in_closed and not f.satisfaction_exported then '所在导出均无满意度列'
                                      when f.in_closed and not f.is_rated then '未评价：不计入满意率' end),
    ('rating_rate', f.in_closed and f.is_rated, 1.0, f.in_closed and f.satisfaction_exported,
      case when f.in_closed and not f.satisfaction_exported then '所在导出均无满意度列' end),
    ('proxy_cases', f.in_received and f.is_proxy, 1.0, null, null),
    ('stated_on_time_rate', f.in_received and f.verdict = '按期', 1.0, f.in_received and f.verdict is not null,
      case when f.in_received and f.verdict is null then '导出未注明平台判定' end),
    ('proxy_on_time_rate', f.in_closed and f.is_proxy and f.is_on_time, 1.0, f.in_closed and f.is_proxy and f.deadline is not null,
      case when f.in_closed and f.is_proxy and f.deadline is null then f.unknown_note || '，期限无法计算：不计入按时办结率' end)
  ) v(figure_id, in_num, num_weight, in_den, excluded)
)
select period_id, case_key, unit_code, figure_id, coalesce(in_num, false) as in_num, num_weight,
  case when figure_id in ('received', 'closed', 'overdue_open', 'proxy_cases') then null
       else coalesce(in_den, false) end as in_den,
  excluded
from membership
where in_num or in_den or excluded is not null;
