-- Runs on full builds only: it re-derives every figure from its cases.
-- The case lists of figure_cases add up to every published case figure, for every unit
-- and period of dim 'all': numerator = Σ num_weight over the numerator's cases,
-- denominator = their count, counts = Σ weights, avg_days / median_days = the mean /
-- median of the listed processing days. A row here means explain would lie.
-- Sums are taken per handling unit first and then rolled up the tree, so the check
-- stays cheap on a large store; only the median needs the cases themselves.
-- PERIODS is a condition on period_id put in by the transform: every period on a store
-- of up to 200,000 cases, the quarters on a larger one (transform.go, runDataTests).
with own as (
  select unit_code, period_id, figure_id,
    sum(num_weight) filter (where in_num) as num,
    count(*) filter (where in_num) as n,
    count(*) filter (where in_den) as den
  from figure_cases
  where PERIODS
  group by all
),
agg as (
  select t.ancestor as unit_code, o.period_id, o.figure_id,
    sum(o.num) as num, sum(o.den) as den, sum(o.num) / nullif(sum(o.n), 0) as mean
  from own o join ref_unit_tree t on t.code = o.unit_code
  group by all
),
med as (
  select t.ancestor as unit_code, fc.period_id, 'median_days' as figure_id, median(fc.num_weight) as med
  from figure_cases fc join ref_unit_tree t on t.code = fc.unit_code
  where fc.figure_id = 'median_days' and fc.in_num and PERIODS
  group by all
)
select v.unit_code, v.period_id, v.figure_id, v.value, v.numerator, v.denominator, a.num, a.den
from figure_values v
left join agg a using (unit_code, period_id, figure_id)
left join med m using (unit_code, period_id, figure_id)
where v.dim = 'all' and PERIODS
  and v.figure_id in ('received', 'closed', 'close_rate', 'on_time_rate', 'due_on_time_rate', 'overdue_open',
    'avg_days', 'median_days', 'resolution_rate', 'response_rate', 'satisfaction_rate', 'rating_rate',
    'proxy_cases', 'proxy_on_time_rate', 'stated_on_time_rate')
  and case
    when v.figure_id = 'avg_days' then (v.value is null) <> (a.mean is null) or abs(v.value - a.mean) > 1e-9
    when v.figure_id = 'median_days' then (v.value is null) <> (m.med is null) or abs(v.value - m.med) > 1e-9
    when v.denominator is null then abs(coalesce(v.value, 0) - coalesce(a.num, 0)) > 1e-9
    else abs(coalesce(v.numerator, 0) - coalesce(a.num, 0)) > 1e-9 or v.denominator <> coalesce(a.den, 0)
  end
