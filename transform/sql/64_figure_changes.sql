-- figure_changes: 环比 and 同比 of every figure, of the unit's own (dim 'all') and of each
-- breakdown; key (unit_code, period_id, dim, dim_value, figure_id).
-- Rates and the score change in points (difference of fractions / of points), counts and
-- days in percent (fractional change, NULL when the earlier value is 0 or NULL). A
-- breakdown value (a class, a channel…) that had cases in the previous period or a year
-- before but has none now gets its counts as 0 here, so that a class falling to nothing
-- shows −100%; its rates stay NULL.
-- inputs: case_figure_values, activity_figure_values, periods, mq_cells, ref_units.
-- The cases' changes are rebuilt for the cells whose figures changed and the cells that
-- compare with them (the next period, the same period a year on); the activities' whole.

-- mq_figure_changes: the changes of the figures of vals in the (unit_code, period_id)
-- cells of cells.
create or replace macro mq_figure_changes(vals, cells) as table
with v as (select * from query_table(vals)),
c as (select unit_code, period_id from query_table(cells)),
earlier as (
  -- each period with the periods it compares with
  select period_id, prev_id as earlier_id from periods union all select period_id, yoy_id from periods
),
gone as (
  select distinct v.unit_code, e.period_id, v.dim, v.dim_value, v.figure_id, 0.0::double as value
  from v
  join earlier e on e.earlier_id = v.period_id
  semi join c on c.unit_code = v.unit_code and c.period_id = e.period_id
  anti join v n on n.unit_code = v.unit_code and n.period_id = e.period_id and n.dim = v.dim
    and n.dim_value = v.dim_value and n.figure_id = v.figure_id
  -- the case counts of a breakdown, which figure_values fills with 0 (60_figures.sql)
  where v.dim <> 'all' and v.figure_id in ('received', 'closed', 'overdue_open', 'proxy_cases')
),
cur as (
  select unit_code, period_id, dim, dim_value, figure_id, value from v semi join c using (unit_code, period_id)
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
left join v prev on prev.unit_code = v.unit_code and prev.period_id = p.prev_id
  and prev.figure_id = v.figure_id and prev.dim = v.dim and prev.dim_value = v.dim_value
left join v yoy on yoy.unit_code = v.unit_code and yoy.period_id = p.yoy_id
  and yoy.figure_id = v.figure_id and yoy.dim = v.dim and yoy.dim_value = v.dim_value;

create or replace temp table mq_change_cells as
select unit_code, period_id from mq_cells
union
select c.unit_code, p.period_id from mq_cells c join periods p on c.period_id in (p.prev_id, p.yoy_id);

create table if not exists case_figure_changes as select * from mq_figure_changes('case_figure_values', 'mq_change_cells') limit 0;
delete from case_figure_changes v using mq_change_cells c where v.unit_code = c.unit_code and v.period_id = c.period_id;
delete from case_figure_changes where period_id in (select period_id from mq_periods_gone);
insert into case_figure_changes by name select * from mq_figure_changes('case_figure_values', 'mq_change_cells');

create or replace temp table mq_all_cells as select u.code as unit_code, p.period_id from ref_units u cross join periods p;
create or replace table activity_figure_changes as select * from mq_figure_changes('activity_figure_values', 'mq_all_cells');

create or replace view figure_changes as
select * from case_figure_changes union all by name select * from activity_figure_changes;
