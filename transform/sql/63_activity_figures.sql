-- activity_figure_values: the visits' and service activities' figures of every unit and
-- period (dim 'all'); key (unit_code, period_id, figure_id). Visits and activities have no
-- class, channel or topic. Rebuilt whole on every run: a district's visits are few
-- beside its cases.
-- figure_values: every figure, the cases' (60_figures.sql) and these; key (unit_code,
-- period_id, dim, dim_value, figure_id).
-- inputs: visits, services, periods, ref_units, ref_unit_tree.
create or replace table activity_figure_values as
with grid as (
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
wide as (
  select g.unit_code, g.period_id, va.visit_persons, va.opinions, va.problems_solved,
    sa.service_activities, sa.volunteers, sa.beneficiaries
  from grid g
  left join visit_agg va on va.unit_code = g.unit_code and va.period_id = g.period_id
  left join service_agg sa on sa.unit_code = g.unit_code and sa.period_id = g.period_id
)
select unit_code, period_id, 'all' as dim, '' as dim_value, figure_id, value, value as numerator, null::double as denominator
from (
  select w.unit_code, w.period_id, f.figure_id,
    case f.figure_id
      when 'visit_persons' then coalesce(w.visit_persons, 0)
      when 'opinions' then coalesce(w.opinions, 0)
      when 'problems_solved' then coalesce(w.problems_solved, 0)
      when 'service_activities' then coalesce(w.service_activities, 0)
      when 'volunteers' then coalesce(w.volunteers, 0)
      when 'beneficiaries' then coalesce(w.beneficiaries, 0)
    end::double as value
  from wide w
  cross join (values ('visit_persons'), ('opinions'), ('problems_solved'), ('service_activities'), ('volunteers'), ('beneficiaries')) f(figure_id)
) v;

create or replace view figure_values as
select unit_code, period_id, dim, dim_value, figure_id, value, numerator, denominator from case_figure_values
union all
select unit_code, period_id, dim, dim_value, figure_id, value, numerator, denominator from activity_figure_values;
