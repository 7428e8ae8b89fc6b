-- figure_changes: 环比 and 同比 of every figure, of the unit's own (dim 'all') and of each
-- breakdown; key (unit_code, period_id, dim, dim_value, figure_id).
-- Rates and the score change in points (difference of fractions / of points), counts and
-- days in percent (fractional change, NULL when the earlier value is 0 or NULL). A
-- breakdown value (a class, a channel…) that had cases in the previous period or a year
-- before but has none now gets its counts as 0 here, so that a class falling to nothing
-- shows −100%; its rates stay NULL.
-- inputs: case_figure_cells, activity_figure_values, periods.
-- The cases' changes are a view, read off case_figure_cells when asked for (a period's
-- changes join a few thousand rows to their previous and year-before rows); the
-- activities' are built whole.

-- mq_change: a figure's change from an earlier value.
create or replace macro mq_change(figure_id, value, earlier) as
  case when figure_id like '%rate' or figure_id = 'score' then value - earlier
       when earlier <> 0 then (value - earlier) / earlier end;

create or replace view case_figure_changes as
with now_cells as (
  select c.*, p.prev_id, p.yoy_id from case_figure_cells c join periods p using (period_id)
),
gone_cells as (
  -- breakdown values with cases in an earlier period and none now
  select distinct e.unit_code, p.period_id, e.dim, e.dim_value, p.prev_id, p.yoy_id
  from case_figure_cells e
  join periods p on e.period_id in (p.prev_id, p.yoy_id)
  anti join case_figure_cells n on n.unit_code = e.unit_code and n.period_id = p.period_id
    and n.dim = e.dim and n.dim_value = e.dim_value
  where e.dim <> 'all'
),
changed as (
  select c.unit_code, c.period_id, c.dim, c.dim_value, f.figure_id, mq_case_value(f.figure_id, c) as value,
    case when pc.unit_code is not null then mq_case_value(f.figure_id, pc) end as prev_value,
    case when yc.unit_code is not null then mq_case_value(f.figure_id, yc) end as yoy_value
  -- the cells joined first, then the figures: the joins probe one row a cell, not 16
  from now_cells c
  left join case_figure_cells pc on pc.unit_code = c.unit_code and pc.period_id = c.prev_id
    and pc.dim = c.dim and pc.dim_value = c.dim_value
  left join case_figure_cells yc on yc.unit_code = c.unit_code and yc.period_id = c.yoy_id
    and yc.dim = c.dim and yc.dim_value = c.dim_value
  cross join case_figure_ids f
  union all
  -- a gone breakdown value shows only its counts, 0 now, which figure_values fills too
  select g.unit_code, g.period_id, g.dim, g.dim_value, f.figure_id, 0.0::double,
    case when pc.unit_code is not null then mq_case_value(f.figure_id, pc) end,
    case when yc.unit_code is not null then mq_case_value(f.figure_id, yc) end
  from gone_cells g
  left join case_figure_cells pc on pc.unit_code = g.unit_code and pc.period_id = g.prev_id
    and pc.dim = g.dim and pc.dim_value = g.dim_value
  left join case_figure_cells yc on yc.unit_code = g.unit_code and yc.period_id = g.yoy_id
    and yc.dim = g.dim and yc.dim_value = g.dim_value
  cross join case_figure_ids f
  where f.figure_id in ('received', 'closed', 'overdue_open', 'proxy_cases')
)
select unit_code, period_id, dim, dim_value, figure_id, value, prev_value, yoy_value,
  mq_change(figure_id, value, prev_value) as mom, mq_change(figure_id, value, yoy_value) as yoy
from changed;

create or replace table activity_figure_changes as
select v.unit_code, v.period_id, v.dim, v.dim_value, v.figure_id, v.value,
  prev.value as prev_value, yoy.value as yoy_value,
  mq_change(v.figure_id, v.value, prev.value) as mom, mq_change(v.figure_id, v.value, yoy.value) as yoy
from activity_figure_values v
join periods p using (period_id)
left join activity_figure_values prev on prev.unit_code = v.unit_code and prev.period_id = p.prev_id and prev.figure_id = v.figure_id
left join activity_figure_values yoy on yoy.unit_code = v.unit_code and yoy.period_id = p.yoy_id and yoy.figure_id = v.figure_id;

create or replace view figure_changes as
select unit_code, period_id, dim, dim_value, figure_id, value, prev_value, yoy_value, mom, yoy from case_figure_changes
union all
select unit_code, period_id, dim, dim_value, figure_id, value, prev_value, yoy_value, mom, yoy from activity_figure_changes;
