-- Runs on full builds only: it re-derives every figure from its cases.
-- A parent's received count equals its own cases plus its children's (figures roll up
-- from case rows; this catches a broken unit tree).
with own as (
  select unit_code, period_id, count(*) filter (where in_received) as n from case_period_facts group by all
),
tree_sum as (
  select t.ancestor as unit_code, o.period_id, sum(o.n) as n
  from own o join ref_unit_tree t on t.code = o.unit_code group by all
)
select s.unit_code, s.period_id, s.n, v.value
from tree_sum s join figure_values v on v.unit_code = s.unit_code and v.period_id = s.period_id
  and v.dim = 'all' and v.figure_id = 'received'
where v.value <> s.n
