-- case_period_facts: one row per (case, period) where the case counts in the period for
-- any figure; key (case_key, period_id). The flags are docs/rules.md's definitions, and
-- the only place they are written (mq_case_facts): figures and case lists both read them.
-- inputs: cases, periods. Personal data: none.
--
-- How it is built, so that a run does only the work that changed:
--   case_periods     which periods each case counts in (case_key, period_id): the periods
--                    holding its receipt, closure or deadline, and those whose cutoff finds
--                    it overdue and open; equi-joins on period ids and one range join,
--                    never a join on OR conditions
--   unit_figure_parts  the additive parts of every case figure per handling unit, period
--                    and breakdown (counts, sums); unit_figure_days the distribution of
--                    processing days there, for the median
--   case_figure_values  the parts summed up the unit tree, the median read off the summed
--                    distribution; a village's figures are its own parts, a township's its
--                    own plus its villages', the district's all
-- A run takes out the facts of the (case, period) pairs it touches as they were and puts
-- them back as they are (sign -1 and +1 on every part), then re-sums the (unit, period)
-- cells those parts roll up to. A full build is the same with nothing to take out.

-- mq_case_pairs: the periods (of ps) each case (of cs) counts in. Each day's periods are
-- looked up once (a few hundred days, not a million dates formatted); a period the overdue
-- range reaches that a date already gave is left to the date, so no pair comes twice.
create or replace macro mq_case_pairs(cs, ps) as table
with p as (select period_id, start_date, end_date, cutoff from query_table(ps)),
day_periods as (
  select d.day, array_agg(p.period_id) as ids
  from ref_calendar d join p on d.day between p.start_date and p.end_date
  group by d.day
),
c as (
  select x.case_key, x.received_date, x.closed_date, x.deadline, x.is_closed_undated,
    array_distinct(coalesce(r.ids, []) || coalesce(cl.ids, []) || coalesce(dl.ids, [])) as ids
  from query_table(cs) x
  left join day_periods r on r.day = x.received_date
  left join day_periods cl on cl.day = x.closed_date
  left join day_periods dl on dl.day = x.deadline
)
select case_key, unnest(ids) as period_id from c
union all
-- overdue and open at the period's cutoff (a case closed without a date is not)
select c.case_key, p.period_id from c join p
  on p.cutoff >= c.deadline and p.cutoff >= c.received_date and p.cutoff < coalesce(c.closed_date, date '9999-12-31')
where not c.is_closed_undated and not array_contains(c.ids, p.period_id);

-- mq_case_facts: the facts of the pairs (case_key, period_id and any other column, such as
-- a sign) with the case (of cs) and the period (of ps).
create or replace macro mq_case_facts(pairs, cs, ps) as table
with facts as (
  select x.* exclude (case_key, period_id), p.period_id, p.start_date, p.end_date, p.cutoff, c.*,
    c.received_date between p.start_date and p.end_date as in_received,
    c.is_closed and c.closed_date between p.start_date and p.end_date as in_closed,
    not c.is_withdrawn and not c.is_closed_undated and c.deadline between p.start_date and p.end_date as in_due
  from query_table(pairs) x
  join query_table(cs) c on c.case_key = x.case_key
  join query_table(ps) p on p.period_id = x.period_id
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

-- The pairs the run takes out (touched cases, gone periods) and puts in (touched cases in
-- every period, the other cases in added periods).
-- only on duckdb
create table if not exists case_periods (case_key varchar, period_id varchar);
-- only on duckdb
create or replace temp table mq_pairs_out as
select case_key, period_id, -1 as sign from case_periods
where case_key in (select case_key from mq_cases_touched) or period_id in (select period_id from mq_periods_gone);
-- only on duckdb
create or replace temp view mq_cases_before as
select * from mq_cases_old
union all by name
select * from cases_all where case_key not in (select case_key from mq_cases_touched);
-- only on duckdb
create or replace temp view mq_cases_touched_now as
select * from cases_all where case_key in (select case_key from mq_cases_touched);
-- only on duckdb
create or replace temp view mq_cases_untouched as
select * from cases_all where case_key not in (select case_key from mq_cases_touched);
-- only on duckdb
create or replace temp table mq_pairs_in as
select case_key, period_id, 1 as sign from mq_case_pairs('mq_cases_touched_now', 'periods')
union all
select case_key, period_id, 1 as sign from mq_case_pairs('mq_cases_untouched', 'mq_periods_added');
-- only on spark
create or replace temp table mq_pairs_in as
select case_key, period_id, 1 as sign from mq_case_pairs('cases_all', 'periods');

-- only on duckdb
delete from case_periods
where case_key in (select case_key from mq_cases_touched) or period_id in (select period_id from mq_periods_gone);
-- only on duckdb
insert into case_periods select case_key, period_id from mq_pairs_in;
-- only on spark
create or replace temp table case_periods as select case_key, period_id from mq_pairs_in;
create or replace view case_period_facts as select * from mq_case_facts('case_periods', 'cases_all', 'periods');

-- The signed facts of the run (on Spark, a whole build, none to take out).
-- only on duckdb
create or replace temp view mq_facts_signed as
select * from mq_case_facts('mq_pairs_out', 'mq_cases_before', 'mq_periods_old')
union all by name
select * from mq_case_facts('mq_pairs_in', 'cases_all', 'periods');
-- only on spark
create or replace temp view mq_facts_signed as select * from mq_case_facts('mq_pairs_in', 'cases_all', 'periods');

-- The signed facts with the breakdowns each counts in.
create or replace temp view mq_facts_delta as
select *, case when is_proxy then '代办' else '非代办' end as proxy_label,
  -- the upper levels of a topic written in levels (城市管理 / 城市管理/市容环境), each a
  -- breakdown of its own; a topic of one level is the topic breakdown alone
  case when len(topic_levels) > 1 then list_extract(topic_levels, 1) end as topic_l1,
  case when len(topic_levels) > 2 then list_extract(topic_levels, 1) || '/' || list_extract(topic_levels, 2) end as topic_l2
from mq_facts_signed;

-- mq_dim, mq_dim_value: the breakdown a grouping set of the figures' grouping makes, from
-- grouping(unit_code, period_id, category, channel, topic, proxy_label, topic_l1, topic_l2,
-- department) (days too, for the distributions; a bit set
-- to 1 is a column not grouped on). A case without the value (its exports have no such
-- column, or left the cell empty) is in the row 未填写 (terms.NotFilled), a value like any
-- other: its parts, its 环比 and 同比 join by it.
create or replace macro mq_dim(g) as case g
  when 63 then 'category' when 95 then 'channel' when 111 then 'topic' when 119 then 'proxy'
  when 123 then 'topic_l1' when 125 then 'topic_l2' when 126 then 'department' else 'all' end;
create or replace macro mq_dim_value(g, category, channel, topic, proxy_label, topic_l1, topic_l2, department) as
  case g when 127 then ''
    else coalesce(case g when 63 then category when 95 then channel when 111 then topic when 119 then proxy_label
      when 123 then topic_l1 when 125 then topic_l2 when 126 then department end, '未填写') end;

-- The change to every part, per handling unit, period and breakdown: the facts' flags are
-- counted once per combination of the breakdowns' values (a few per case), and the
-- breakdowns summed from those.
create or replace temp table mq_facts_grouped as
select f.unit_code, f.period_id, f.category, f.channel, f.topic, f.proxy_label, f.topic_l1, f.topic_l2, f.department,
    sum(sign)::bigint as fact_rows,
    coalesce(sum(sign) filter (where f.in_received), 0)::bigint as received,
    coalesce(sum(sign) filter (where f.in_closed), 0)::bigint as closed,
    coalesce(sum(sign) filter (where f.closed_by_cutoff), 0)::bigint as close_num,
    coalesce(sum(sign) filter (where f.in_received_active), 0)::bigint as close_den,
    coalesce(sum(sign) filter (where f.in_closed and f.is_on_time), 0)::bigint as on_time_num,
    coalesce(sum(sign) filter (where f.in_closed and f.deadline is not null), 0)::bigint as on_time_den,
    coalesce(sum(sign) filter (where f.in_due and f.due_met), 0)::bigint as due_num,
    coalesce(sum(sign) filter (where f.in_due), 0)::bigint as due_den,
    coalesce(sum(sign) filter (where f.is_overdue_open), 0)::bigint as overdue_open,
    coalesce(sum(sign * f.processing_days) filter (where f.in_closed and f.processing_days is not null), 0)::bigint as days_sum,
    coalesce(sum(sign) filter (where f.in_closed and f.processing_days is not null), 0)::bigint as days_n,
    coalesce(sum(sign) filter (where f.in_closed and f.result_exported and f.result = '已解决'), 0)::bigint as res_full,
    coalesce(sum(sign) filter (where f.in_closed and f.result_exported and f.result = '部分解决'), 0)::bigint as res_partial,
    coalesce(sum(sign) filter (where f.in_closed and f.result_exported and f.result is distinct from '已解释'), 0)::bigint as res_den,
    coalesce(sum(sign) filter (where f.in_received_active and f.first_contact_exported and f.responded_in_24h), 0)::bigint as resp_num,
    coalesce(sum(sign) filter (where f.in_received_active and f.first_contact_exported), 0)::bigint as resp_den,
    coalesce(sum(sign) filter (where f.in_closed and list_contains(s.satisfied_labels, f.satisfaction)), 0)::bigint as sat_num,
    coalesce(sum(sign) filter (where f.in_closed and f.satisfaction in ('满意', '基本满意', '不满意')), 0)::bigint as rated,
    coalesce(sum(sign) filter (where f.in_closed and f.satisfaction_exported), 0)::bigint as rating_den,
    coalesce(sum(sign) filter (where f.in_received and f.is_proxy), 0)::bigint as proxy_cases,
    coalesce(sum(sign) filter (where f.in_closed and f.is_proxy and f.is_on_time), 0)::bigint as proxy_on_time_num,
    coalesce(sum(sign) filter (where f.in_closed and f.is_proxy and f.deadline is not null), 0)::bigint as proxy_closed,
    coalesce(sum(sign) filter (where f.in_received and f.verdict = '按期'), 0)::bigint as stated_num,
    coalesce(sum(sign) filter (where f.in_received and f.verdict is not null), 0)::bigint as stated_den
  from mq_facts_delta f, ref_settings s
group by f.unit_code, f.period_id, f.category, f.channel, f.topic, f.proxy_label, f.topic_l1, f.topic_l2, f.department;

create or replace temp table mq_parts_delta as
select * from (
select unit_code, period_id, mq_dim(g) as dim,
  mq_dim_value(g, category, channel, topic, proxy_label, topic_l1, topic_l2, department) as dim_value,
  * exclude (unit_code, period_id, g, category, channel, topic, proxy_label, topic_l1, topic_l2, department)
from (
  -- the grouping of every column grouped on, as Spark's grouping_id must be: unit_code and
  -- period_id are in every set, their bits 0, so g is the breakdowns' bits alone
  select unit_code, period_id, grouping(unit_code, period_id, category, channel, topic, proxy_label, topic_l1, topic_l2, department) as g,
    category, channel, topic, proxy_label, topic_l1, topic_l2, department,
    -- every part summed (the columns of mq_facts_grouped after the breakdowns)
    sum(fact_rows)::bigint as fact_rows, sum(received)::bigint as received,
    sum(closed)::bigint as closed, sum(close_num)::bigint as close_num,
    sum(close_den)::bigint as close_den, sum(on_time_num)::bigint as on_time_num,
    sum(on_time_den)::bigint as on_time_den, sum(due_num)::bigint as due_num,
    sum(due_den)::bigint as due_den, sum(overdue_open)::bigint as overdue_open,
    sum(days_sum)::bigint as days_sum, sum(days_n)::bigint as days_n,
    sum(res_full)::bigint as res_full, sum(res_partial)::bigint as res_partial,
    sum(res_den)::bigint as res_den, sum(resp_num)::bigint as resp_num,
    sum(resp_den)::bigint as resp_den, sum(sat_num)::bigint as sat_num,
    sum(rated)::bigint as rated, sum(rating_den)::bigint as rating_den,
    sum(proxy_cases)::bigint as proxy_cases, sum(proxy_on_time_num)::bigint as proxy_on_time_num,
    sum(proxy_closed)::bigint as proxy_closed, sum(stated_num)::bigint as stated_num,
    sum(stated_den)::bigint as stated_den
  from mq_facts_grouped
  group by grouping sets ((unit_code, period_id), (unit_code, period_id, category), (unit_code, period_id, channel),
    (unit_code, period_id, topic), (unit_code, period_id, proxy_label), (unit_code, period_id, topic_l1),
    (unit_code, period_id, topic_l2), (unit_code, period_id, department))
)
)
-- a version that changed nothing counted (a new description, a later export saying the
-- same) takes out and puts back the same: no change, no cell to re-sum
where fact_rows <> 0 or received <> 0 or closed <> 0 or close_num <> 0 or close_den <> 0 or on_time_num <> 0 or on_time_den <> 0 or due_num <> 0 or due_den <> 0 or overdue_open <> 0 or days_sum <> 0 or days_n <> 0 or res_full <> 0 or res_partial <> 0 or res_den <> 0 or resp_num <> 0 or resp_den <> 0 or sat_num <> 0 or rated <> 0 or rating_den <> 0 or proxy_cases <> 0 or proxy_on_time_num <> 0 or proxy_closed <> 0 or stated_num <> 0 or stated_den <> 0;

-- The change to every distribution of processing days, likewise.
create or replace temp table mq_days_delta as
select unit_code, period_id, mq_dim(g) as dim,
  mq_dim_value(g, category, channel, topic, proxy_label, topic_l1, topic_l2, department) as dim_value, days, n
from (
  select unit_code, period_id, days,
    grouping(unit_code, period_id, days, category, channel, topic, proxy_label, topic_l1, topic_l2, department) as g,
    category, channel, topic, proxy_label, topic_l1, topic_l2, department, sum(n)::bigint as n
  from (
    select f.unit_code, f.period_id, f.category, f.channel, f.topic, f.proxy_label, f.topic_l1, f.topic_l2, f.department, f.processing_days as days, sum(sign) as n
    from mq_facts_delta f
    where f.in_closed and f.processing_days is not null
    group by all
  )
  group by grouping sets ((unit_code, period_id, days), (unit_code, period_id, days, category), (unit_code, period_id, days, channel),
    (unit_code, period_id, days, topic), (unit_code, period_id, days, proxy_label), (unit_code, period_id, days, topic_l1),
    (unit_code, period_id, days, topic_l2), (unit_code, period_id, days, department))
)
where n <> 0;

-- Apply the changes: a part (or a day of a distribution) that no fact holds any more leaves.
-- only on duckdb
create table if not exists unit_figure_parts as select * from mq_parts_delta limit 0;
-- only on duckdb
create or replace temp view mq_parts_pool as
select p.* from unit_figure_parts p semi join mq_parts_delta d using (unit_code, period_id, dim, dim_value)
union all by name select * from mq_parts_delta;
-- only on spark
create or replace temp view mq_parts_pool as select * from mq_parts_delta;
create or replace temp table mq_parts_merged as
select unit_code, period_id, dim, dim_value,
    sum(fact_rows)::bigint as fact_rows, sum(received)::bigint as received,
    sum(closed)::bigint as closed, sum(close_num)::bigint as close_num,
    sum(close_den)::bigint as close_den, sum(on_time_num)::bigint as on_time_num,
    sum(on_time_den)::bigint as on_time_den, sum(due_num)::bigint as due_num,
    sum(due_den)::bigint as due_den, sum(overdue_open)::bigint as overdue_open,
    sum(days_sum)::bigint as days_sum, sum(days_n)::bigint as days_n,
    sum(res_full)::bigint as res_full, sum(res_partial)::bigint as res_partial,
    sum(res_den)::bigint as res_den, sum(resp_num)::bigint as resp_num,
    sum(resp_den)::bigint as resp_den, sum(sat_num)::bigint as sat_num,
    sum(rated)::bigint as rated, sum(rating_den)::bigint as rating_den,
    sum(proxy_cases)::bigint as proxy_cases, sum(proxy_on_time_num)::bigint as proxy_on_time_num,
    sum(proxy_closed)::bigint as proxy_closed, sum(stated_num)::bigint as stated_num,
    sum(stated_den)::bigint as stated_den
from mq_parts_pool
group by unit_code, period_id, dim, dim_value;
-- only on duckdb
delete from unit_figure_parts p using mq_parts_delta d
where p.unit_code = d.unit_code and p.period_id = d.period_id and p.dim = d.dim and p.dim_value = d.dim_value;
-- only on duckdb
insert into unit_figure_parts by name select * from mq_parts_merged where fact_rows <> 0;
-- only on spark
create or replace temp table unit_figure_parts as select * from mq_parts_merged where fact_rows <> 0;

-- only on duckdb
create table if not exists unit_figure_days as select * from mq_days_delta limit 0;
-- only on duckdb
create or replace temp view mq_days_pool as
select p.* from unit_figure_days p semi join mq_days_delta d using (unit_code, period_id, dim, dim_value, days)
union all by name select * from mq_days_delta;
-- only on spark
create or replace temp view mq_days_pool as select * from mq_days_delta;
create or replace temp table mq_days_merged as
select unit_code, period_id, dim, dim_value, days, sum(n)::bigint as n
from mq_days_pool
group by all;
-- only on duckdb
delete from unit_figure_days p using mq_days_delta d
where p.unit_code = d.unit_code and p.period_id = d.period_id and p.dim = d.dim and p.dim_value = d.dim_value and p.days = d.days;
-- only on duckdb
insert into unit_figure_days by name select * from mq_days_merged where n <> 0;
-- only on spark
create or replace temp table unit_figure_days as select * from mq_days_merged where n <> 0;

-- The (unit, period) cells whose figures change: every unit above a changed part, and
-- every unit in an added period (on Spark, a whole build: every unit in every period).
-- only on duckdb
create or replace temp table mq_cells as
select distinct t.ancestor as unit_code, d.period_id
from (select distinct unit_code, period_id from mq_parts_delta) d join ref_unit_tree t on t.code = d.unit_code
semi join periods p on p.period_id = d.period_id
union
select u.code, p.period_id from ref_units u cross join mq_periods_added p;
-- only on spark
create or replace temp table mq_cells as select u.code as unit_code, p.period_id from ref_units u cross join periods p;

-- case_figure_cells: one row per unit, period and breakdown with every case figure's parts
-- summed up the tree, the mean and median of the days and the score; case_figure_values
-- (below) reads the figures off it, and figure_values holds them with the visits' and
-- activities' figures (63_activity_figures.sql).
-- dim 'all' has every unit × period, with 0 for counts and NULL for rates without a
-- denominator; 'category', 'channel', 'topic' (its upper levels as 'topic_l1',
-- 'topic_l2'), 'department' (where exported) and 'proxy' (代办 / 非代办) break the case
-- figures down. value is NULL where the denominator is 0.
-- mq_figure_value: a figure's value from its numerator and denominator (a count has none;
-- a rate without a denominator has no value).
create or replace macro mq_figure_value(numerator, denominator) as
  case when denominator is null then numerator when denominator = 0 then null else numerator / denominator end;

create or replace temp view case_figure_cells_in_scope as
with settings as (select * from ref_settings),
rolled as (
  select c.unit_code, c.period_id, p.dim, p.dim_value,
    sum(p.fact_rows)::bigint as fact_rows, sum(p.received)::bigint as received,
    sum(p.closed)::bigint as closed, sum(p.close_num)::bigint as close_num,
    sum(p.close_den)::bigint as close_den, sum(p.on_time_num)::bigint as on_time_num,
    sum(p.on_time_den)::bigint as on_time_den, sum(p.due_num)::bigint as due_num,
    sum(p.due_den)::bigint as due_den, sum(p.overdue_open)::bigint as overdue_open,
    sum(p.days_sum)::bigint as days_sum, sum(p.days_n)::bigint as days_n,
    sum(p.res_full)::bigint as res_full, sum(p.res_partial)::bigint as res_partial,
    sum(p.res_den)::bigint as res_den, sum(p.resp_num)::bigint as resp_num,
    sum(p.resp_den)::bigint as resp_den, sum(p.sat_num)::bigint as sat_num,
    sum(p.rated)::bigint as rated, sum(p.rating_den)::bigint as rating_den,
    sum(p.proxy_cases)::bigint as proxy_cases,
    sum(p.proxy_on_time_num)::bigint as proxy_on_time_num,
    sum(p.proxy_closed)::bigint as proxy_closed, sum(p.stated_num)::bigint as stated_num,
    sum(p.stated_den)::bigint as stated_den
  from mq_cells c
  join ref_unit_tree t on t.ancestor = c.unit_code
  join unit_figure_parts p on p.unit_code = t.code and p.period_id = c.period_id
  group by c.unit_code, c.period_id, p.dim, p.dim_value
),
hist as (
  select c.unit_code, c.period_id, d.dim, d.dim_value, d.days, sum(d.n)::bigint as n
  from mq_cells c
  join ref_unit_tree t on t.ancestor = c.unit_code
  join unit_figure_days d on d.unit_code = t.code and d.period_id = c.period_id
  group by all
),
cum as (
  select *,
    sum(n) over (partition by unit_code, period_id, dim, dim_value order by days rows between unbounded preceding and current row) as upto,
    sum(n) over (partition by unit_code, period_id, dim, dim_value) as total
  from hist
),
med as (
  -- the median of the distribution: the middle value, or the mean of the two middle ones
  -- (0-based positions ⌊(n-1)/2⌋ and ⌊n/2⌋), as median() would give of the days themselves
  select unit_code, period_id, dim, dim_value,
    (min(days) filter (where upto > (total - 1) // 2) + min(days) filter (where upto > total // 2)) / cast(2 as double) as median_days
  from cum group by all
),
parts as (
  select r.* exclude (days_sum, days_n, res_full, res_partial),
    case when r.days_n > 0 then r.days_sum / r.days_n end as avg_days,
    m.median_days,
    r.res_full + r.res_partial * s.partial_weight as res_num
  from rolled r
  left join med m using (unit_code, period_id, dim, dim_value)
  cross join settings s
),
all_dim as (
  -- every unit × period, so a unit with no cases shows 0 and "—", not nothing
  select c.unit_code, c.period_id, 'all' as dim, '' as dim_value, p.* exclude (unit_code, period_id, dim, dim_value)
  from mq_cells c
  left join parts p on p.unit_code = c.unit_code and p.period_id = c.period_id and p.dim = 'all'
),
breakdowns as (
  select * from parts where dim <> 'all'
    -- a case without upper topic levels is in the topic breakdown, not in 未填写 of these
    -- and a case whose exports name no department is in no department's row
    and not (dim in ('topic_l1', 'topic_l2', 'department') and dim_value = '未填写')
),
-- all_dim's columns are parts' in parts' order: a union by position
wide as (select * from all_dim union all select * from breakdowns),
rates as (
  -- the score's inputs side by side, each as the figure's own value (mq_figures_of)
  select w.*,
    mq_figure_value(coalesce(resp_num, 0)::double, coalesce(resp_den, 0)::double) as r_response,
    mq_figure_value(coalesce(res_num, 0)::double, coalesce(res_den, 0)::double) as r_resolution,
    mq_figure_value(coalesce(sat_num, 0)::double, coalesce(rated, 0)::double) as r_satisfaction
  from wide w
)
-- 100 × Σ wᵢ·rateᵢ / Σ wᵢ over the rates that have a value; none when nothing is due.
-- Written out term by term: a sum() would add in whatever order threads finish, and the
-- last digit of a published score must not depend on that.
select r.* exclude (r_response, r_resolution, r_satisfaction, num, den),
  case when coalesce(r.due_den, 0) > 0 and den > 0 then 100 * num / den end as score
from (
  select r.*,
    coalesce(s.w_response * r.r_response, 0) + coalesce(s.w_resolution * r.r_resolution, 0)
      + coalesce(s.w_satisfaction * r.r_satisfaction, 0) as num,
    case when r.r_response is not null then s.w_response else 0 end
      + case when r.r_resolution is not null then s.w_resolution else 0 end
      + case when r.r_satisfaction is not null then s.w_satisfaction else 0 end as den
  from rates r, settings s
) r;

-- only on duckdb
create table if not exists case_figure_cells as select * from case_figure_cells_in_scope limit 0;
-- only on duckdb
delete from case_figure_cells v using mq_cells c where v.unit_code = c.unit_code and v.period_id = c.period_id;
-- only on duckdb
delete from case_figure_cells where period_id in (select period_id from mq_periods_gone);
-- only on duckdb
insert into case_figure_cells by name select * from case_figure_cells_in_scope;
-- only on spark
create or replace temp table case_figure_cells as select * from case_figure_cells_in_scope;

-- case_figure_ids: the case figures, in report order (ord).
create or replace view case_figure_ids as
select * from (values ('received', 1), ('closed', 2), ('close_rate', 3), ('on_time_rate', 4), ('due_on_time_rate', 5),
  ('overdue_open', 6), ('avg_days', 7), ('median_days', 8), ('resolution_rate', 9), ('response_rate', 10),
  ('satisfaction_rate', 11), ('rating_rate', 12), ('proxy_cases', 13), ('proxy_on_time_rate', 14),
  ('stated_on_time_rate', 15), ('score', 16)) f(figure_id, ord);

-- mq_case_numerator, mq_case_denominator, mq_case_value: case figure f's numerator,
-- denominator (NULL for a count) and value in a row w of case_figure_cells: the one
-- reading of the cells that case_figure_values and case_figure_changes both use.
create or replace macro mq_case_numerator(f, w) as case f
    when 'received' then coalesce(w.received, 0) when 'closed' then coalesce(w.closed, 0)
    when 'close_rate' then coalesce(w.close_num, 0) when 'on_time_rate' then coalesce(w.on_time_num, 0)
    when 'due_on_time_rate' then coalesce(w.due_num, 0) when 'overdue_open' then coalesce(w.overdue_open, 0)
    when 'avg_days' then w.avg_days when 'median_days' then w.median_days
    when 'resolution_rate' then coalesce(w.res_num, 0) when 'response_rate' then coalesce(w.resp_num, 0)
    when 'satisfaction_rate' then coalesce(w.sat_num, 0) when 'rating_rate' then coalesce(w.rated, 0)
    when 'proxy_cases' then coalesce(w.proxy_cases, 0) when 'proxy_on_time_rate' then coalesce(w.proxy_on_time_num, 0)
    when 'stated_on_time_rate' then coalesce(w.stated_num, 0)
  end::double;
create or replace macro mq_case_denominator(f, w) as case f
    when 'close_rate' then coalesce(w.close_den, 0) when 'on_time_rate' then coalesce(w.on_time_den, 0)
    when 'due_on_time_rate' then coalesce(w.due_den, 0) when 'resolution_rate' then coalesce(w.res_den, 0)
    when 'response_rate' then coalesce(w.resp_den, 0) when 'satisfaction_rate' then coalesce(w.rated, 0)
    when 'rating_rate' then coalesce(w.rating_den, 0) when 'proxy_on_time_rate' then coalesce(w.proxy_closed, 0)
    when 'stated_on_time_rate' then coalesce(w.stated_den, 0)
  end::double;
create or replace macro mq_case_value(f, w) as case when f = 'score' then w.score::double
  else mq_figure_value(mq_case_numerator(f, w), mq_case_denominator(f, w)) end;

-- case_figure_values: the case figures in long form, one row per (unit, period, breakdown,
-- figure), read off case_figure_cells.
create or replace view case_figure_values as
select c.unit_code, c.period_id, c.dim, c.dim_value, f.figure_id, mq_case_value(f.figure_id, c) as value,
  mq_case_numerator(f.figure_id, c) as numerator, mq_case_denominator(f.figure_id, c) as denominator
from case_figure_cells c cross join case_figure_ids f;
