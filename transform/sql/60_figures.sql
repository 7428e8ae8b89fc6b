-- case_period_facts: one row per (case, period) where the case counts in the period for
-- any figure; key (case_key, period_id). The flags are docs/rules.md's definitions, and
-- the only place they are written: figures and case lists both read them.
-- inputs: cases, periods. Personal data: none.
create or replace table case_period_facts as
with facts as (
  select p.period_id, p.start_date, p.end_date, p.cutoff, c.*,
    c.received_date between p.start_date and p.end_date as in_received,
    c.is_closed and c.closed_date between p.start_date and p.end_date as in_closed,
    not c.is_withdrawn and not c.is_closed_undated and c.deadline between p.start_date and p.end_date as in_due
  from cases c
  join periods p on
       c.received_date between p.start_date and p.end_date
    or c.closed_date between p.start_date and p.end_date
    or c.deadline between p.start_date and p.end_date
    or (c.deadline <= p.cutoff and c.received_date <= p.cutoff and (c.closed_date is null or c.closed_date > p.cutoff)
        and not c.is_closed_undated)
)
select *,
  in_received and not is_withdrawn as in_received_active,
  -- a case closed without a date counts once an export dated by the cutoff showed it closed
  in_received and not is_withdrawn
    and ((is_closed and closed_date <= cutoff) or (is_closed_undated and closed_seen_date <= cutoff)) as closed_by_cutoff,
  in_due and is_closed and closed_date <= deadline as due_met,
  not is_withdrawn and not is_closed_undated and received_date <= cutoff and not (is_closed and closed_date <= cutoff)
    and deadline <= cutoff as is_overdue_open,
  coalesce(in_closed and not is_on_time, false) as is_closed_late
from facts;

-- figure_values: one row per (unit, period, breakdown, figure); key
-- (unit_code, period_id, dim, dim_value, figure_id). dim 'all' has every unit × period,
-- with 0 for counts and NULL for rates without a denominator; 'category', 'channel',
-- 'topic' (its upper levels as 'topic_l1', 'topic_l2'), 'department' (where exported)
-- and 'proxy' (代办 / 非代办) break the case figures down. value is NULL where the denominator is 0.
-- inputs: case_period_facts, visits, services, periods, ref_units, ref_unit_tree, ref_settings.
create or replace table figure_values as
with settings as (select * from ref_settings),
case_agg as (
  select t.ancestor as unit_code, f.period_id,
    case when grouping(f.category) = 0 then 'category' when grouping(f.channel) = 0 then 'channel'
         when grouping(f.topic) = 0 then 'topic' when grouping(f.proxy_label) = 0 then 'proxy'
         when grouping(f.topic_l1) = 0 then 'topic_l1' when grouping(f.topic_l2) = 0 then 'topic_l2'
         when grouping(f.department) = 0 then 'department' else 'all' end as dim,
    coalesce(case when grouping(f.category) = 0 then f.category when grouping(f.channel) = 0 then f.channel
         when grouping(f.topic) = 0 then f.topic when grouping(f.proxy_label) = 0 then f.proxy_label
         when grouping(f.topic_l1) = 0 then f.topic_l1 when grouping(f.topic_l2) = 0 then f.topic_l2
         when grouping(f.department) = 0 then f.department end,
      case when grouping(f.category) + grouping(f.channel) + grouping(f.topic) + grouping(f.proxy_label)
                + grouping(f.topic_l1) + grouping(f.topic_l2) + grouping(f.department) = 7 then '' else '(空)' end) as dim_value,
    count(*) filter (where f.in_received) as received,
    count(*) filter (where f.in_closed) as closed,
    count(*) filter (where f.closed_by_cutoff) as close_num,
    count(*) filter (where f.in_received_active) as close_den,
    count(*) filter (where f.in_closed and f.is_on_time) as on_time_num,
    count(*) filter (where f.in_closed and f.deadline is not null) as on_time_den,
    count(*) filter (where f.in_due and f.due_met) as due_num,
    count(*) filter (where f.in_due) as due_den,
    count(*) filter (where f.is_overdue_open) as overdue_open,
    avg(f.processing_days) filter (where f.in_closed and f.processing_days is not null) as avg_days,
    median(cast(f.processing_days as double)) filter (where f.in_closed and f.processing_days is not null) as median_days,
    sum(case f.result when '已解决' then 1.0 when '部分解决' then (select partial_weight from settings) else 0.0 end)
      filter (where f.in_closed and f.result_exported and f.result is distinct from '已解释') as res_num,
    count(*) filter (where f.in_closed and f.result_exported and f.result is distinct from '已解释') as res_den,
    count(*) filter (where f.in_received_active and f.first_contact_exported and f.responded_in_24h) as resp_num,
    count(*) filter (where f.in_received_active and f.first_contact_exported) as resp_den,
    count(*) filter (where f.in_closed and list_contains((select satisfied_labels from settings), f.satisfaction)) as sat_num,
    count(*) filter (where f.in_closed and f.satisfaction in ('满意', '基本满意', '不满意')) as rated,
    count(*) filter (where f.in_closed and f.satisfaction_exported) as rating_den,
    count(*) filter (where f.in_received and f.is_proxy) as proxy_cases,
    count(*) filter (where f.in_closed and f.is_proxy and f.is_on_time) as proxy_on_time_num,
    count(*) filter (where f.in_closed and f.is_proxy and f.deadline is not null) as proxy_closed,
    count(*) filter (where f.in_received and f.verdict = '按期') as stated_num,
    count(*) filter (where f.in_received and f.verdict is not null) as stated_den
  from (
    select *, case when is_proxy then '代办' else '非代办' end as proxy_label,
      -- the upper levels of a topic written in levels (城市管理 / 城市管理/市容环境), each a
      -- breakdown of its own; a topic of one level is the topic breakdown alone
      case when len(topic_levels) > 1 then topic_levels[1] end as topic_l1,
      case when len(topic_levels) > 2 then topic_levels[1] || '/' || topic_levels[2] end as topic_l2
    from case_period_facts) f
  join ref_unit_tree t on t.code = f.unit_code
  group by grouping sets ((t.ancestor, f.period_id), (t.ancestor, f.period_id, f.category),
                          (t.ancestor, f.period_id, f.channel), (t.ancestor, f.period_id, f.topic),
                          (t.ancestor, f.period_id, f.proxy_label),
                          (t.ancestor, f.period_id, f.topic_l1), (t.ancestor, f.period_id, f.topic_l2),
                          (t.ancestor, f.period_id, f.department))
),
grid as (
  -- every unit × period, so a unit with no cases shows 0 and "—", not nothing
  select u.code as unit_code, p.period_id, p.start_date, p.end_date from ref_units u cross join periods p
),
visit_agg as (
  select g.unit_code, g.period_id,
    sum(v.persons * v.copies) as visit_persons, sum(v.opinions * v.copies) as opinions,
    sum(v.problems_solved * v.copies) as problems_solved
  from grid g
  join ref_unit_tree t on t.ancestor = g.unit_code
  join visits v on v.unit_code = t.code and v.visited_on between g.start_date and g.end_date
  group by all
),
service_agg as (
  select g.unit_code, g.period_id,
    sum(s.copies) as service_activities, sum(s.volunteers * s.copies) as volunteers,
    sum(s.beneficiaries * s.copies) as beneficiaries
  from grid g
  join ref_unit_tree t on t.ancestor = g.unit_code
  join services s on s.unit_code = t.code and s.served_on between g.start_date and g.end_date
  group by all
),
all_dim as (
  select g.unit_code, g.period_id, 'all' as dim, '' as dim_value, c.* exclude (unit_code, period_id, dim, dim_value),
    va.visit_persons, va.opinions, va.problems_solved, sa.service_activities, sa.volunteers, sa.beneficiaries
  from grid g
  left join case_agg c on c.unit_code = g.unit_code and c.period_id = g.period_id and c.dim = 'all'
  left join visit_agg va on va.unit_code = g.unit_code and va.period_id = g.period_id
  left join service_agg sa on sa.unit_code = g.unit_code and sa.period_id = g.period_id
),
breakdowns as (
  select unit_code, period_id, dim, dim_value, * exclude (unit_code, period_id, dim, dim_value),
    null::bigint as visit_persons, null::bigint as opinions, null::bigint as problems_solved,
    null::bigint as service_activities, null::bigint as volunteers, null::bigint as beneficiaries
  from case_agg where dim <> 'all'
    -- a case without upper topic levels is in the topic breakdown, not in (空) of these
    -- and a case whose exports name no department is in no department's row
    and not (dim in ('topic_l1', 'topic_l2', 'department') and dim_value = '(空)')
),
wide as (select * from all_dim union all by name select * from breakdowns),
long as (
  select unit_code, period_id, dim, dim_value, figure_id, numerator, denominator,
    case when denominator is null then numerator
         when denominator = 0 then null
         else numerator / denominator end as value
  from wide, lateral (values
    ('received', coalesce(received, 0)::double, null::double),
    ('closed', coalesce(closed, 0), null),
    ('close_rate', coalesce(close_num, 0), coalesce(close_den, 0)),
    ('on_time_rate', coalesce(on_time_num, 0), coalesce(on_time_den, 0)),
    ('due_on_time_rate', coalesce(due_num, 0), coalesce(due_den, 0)),
    ('overdue_open', coalesce(overdue_open, 0), null),
    ('avg_days', avg_days, null),
    ('median_days', median_days, null),
    ('resolution_rate', coalesce(res_num, 0), coalesce(res_den, 0)),
    ('response_rate', coalesce(resp_num, 0), coalesce(resp_den, 0)),
    ('satisfaction_rate', coalesce(sat_num, 0), coalesce(rated, 0)),
    ('rating_rate', coalesce(rated, 0), coalesce(rating_den, 0)),
    ('proxy_cases', coalesce(proxy_cases, 0), null),
    ('proxy_on_time_rate', coalesce(proxy_on_time_num, 0), coalesce(proxy_closed, 0)),
    ('stated_on_time_rate', coalesce(stated_num, 0), coalesce(stated_den, 0)),
    ('visit_persons', case when dim = 'all' then coalesce(visit_persons, 0) end, null),
    ('opinions', case when dim = 'all' then coalesce(opinions, 0) end, null),
    ('problems_solved', case when dim = 'all' then coalesce(problems_solved, 0) end, null),
    ('service_activities', case when dim = 'all' then coalesce(service_activities, 0) end, null),
    ('volunteers', case when dim = 'all' then coalesce(volunteers, 0) end, null),
    ('beneficiaries', case when dim = 'all' then coalesce(beneficiaries, 0) end, null),
    ('due_count', coalesce(due_den, 0), null)
  ) v(figure_id, numerator, denominator)
),
rates as (
  -- one row per unit, period and breakdown with the score's inputs side by side
  select unit_code, period_id, dim, dim_value,
    max(case when figure_id = 'response_rate' then value end) as r_response,
    max(case when figure_id = 'resolution_rate' then value end) as r_resolution,
    max(case when figure_id = 'satisfaction_rate' then value end) as r_satisfaction,
    max(case when figure_id = 'due_count' then value end) as due_count
  from long group by all
),
score as (
  -- 100 × Σ wᵢ·rateᵢ / Σ wᵢ over the rates that have a value; none when nothing is due.
  -- Written out term by term: a sum() would add in whatever order threads finish, and
  -- the last digit of a published score must not depend on that.
  select unit_code, period_id, dim, dim_value, 'score' as figure_id,
    case when due_count > 0 and den > 0 then 100 * num / den end as value
  from (
    select r.*,
      coalesce(s.w_response * r.r_response, 0) + coalesce(s.w_resolution * r.r_resolution, 0)
        + coalesce(s.w_satisfaction * r.r_satisfaction, 0) as num,
      case when r.r_response is not null then s.w_response else 0 end
        + case when r.r_resolution is not null then s.w_resolution else 0 end
        + case when r.r_satisfaction is not null then s.w_satisfaction else 0 end as den
    from rates r, settings s
  )
)
select unit_code, period_id, dim, dim_value, figure_id, value, numerator, denominator from long
where figure_id <> 'due_count'
  -- visits and activities have no class, channel or topic
  and not (dim <> 'all' and figure_id in ('visit_persons', 'opinions', 'problems_solved', 'service_activities', 'volunteers', 'beneficiaries'))
union all
select unit_code, period_id, dim, dim_value, figure_id, value, null, null from score;

-- figure_changes: 环比 and 同比 of every figure, of the unit's own (dim 'all') and of each
-- breakdown; key (unit_code, period_id, dim, dim_value, figure_id).
-- Rates and the score change in points (difference of fractions / of points), counts and
-- days in percent (fractional change, NULL when the earlier value is 0 or NULL). A
-- breakdown value (a class, a channel…) that had cases in the previous period or a year
-- before but has none now gets its counts as 0 here, so that a class falling to nothing
-- shows −100%; its rates stay NULL.
create or replace table figure_changes as
with count_figures(figure_id) as (
  -- the case counts of a breakdown, which figure_values fills with 0 (case_agg above)
  values ('received'), ('closed'), ('overdue_open'), ('proxy_cases')
),
gone as (
  select distinct v.unit_code, p.period_id, v.dim, v.dim_value, v.figure_id, 0.0::double as value
  from figure_values v
  join periods p on v.period_id in (p.prev_id, p.yoy_id)
  where v.dim <> 'all' and v.figure_id in (select figure_id from count_figures)
    and not exists (select 1 from figure_values n where n.unit_code = v.unit_code and n.period_id = p.period_id
      and n.dim = v.dim and n.dim_value is not distinct from v.dim_value and n.figure_id = v.figure_id)
),
cur as (
  select unit_code, period_id, dim, dim_value, figure_id, value from figure_values
  union all
  select * from gone
)
select v.unit_code, v.period_id, v.dim, v.dim_value, v.figure_id, v.value,
  prev.value as prev_value, yoy.value as yoy_value,
  case when v.figure_id like '%rate' or v.figure_id = 'score' then v.value - prev.value
       when prev.value <> 0 then (v.value - prev.value) / prev.value end as mom,
  case when v.figure_id like '%rate' or v.figure_id = 'score' then v.value - yoy.value
       when yoy.value <> 0 then (v.value - yoy.value) / yoy.value end as yoy
from cur v
join periods p using (period_id)
left join figure_values prev on prev.unit_code = v.unit_code and prev.period_id = p.prev_id
  and prev.figure_id = v.figure_id and prev.dim = v.dim and prev.dim_value is not distinct from v.dim_value
left join figure_values yoy on yoy.unit_code = v.unit_code and yoy.period_id = p.yoy_id
  and yoy.figure_id = v.figure_id and yoy.dim = v.dim and yoy.dim_value is not distinct from v.dim_value;
