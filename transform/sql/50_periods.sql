-- periods: one row per month, quarter, year and year so far (ytd: January to the end of a
-- second or third quarter) from the first to the last event date of
-- the data (receipt, closure, visit, activity); key period_id. prev_id is the previous
-- period of the same kind (环比), yoy_id the same period a year before (同比).
-- inputs: cases, visits, services.
-- The periods of the run before are kept aside (mq_periods_old) with what was added and
-- what is gone, for the figures to be built for those alone.
create table if not exists periods (kind varchar, period_id varchar, start_date date, end_date date, cutoff date, prev_id varchar, yoy_id varchar);
create or replace temp table mq_periods_old as select * from periods;
create or replace table periods as
with bounds as (
  select min(d) as first_day, max(d) as last_day from (
    select received_date as d from cases union all select closed_date from cases
    union all select visited_on from visits union all select served_on from services
  ) where d is not null
),
months as (
  select cast(m as date) as start_date
  from bounds, range(date_trunc('month', first_day), date_trunc('month', last_day) + interval 1 month, interval 1 month) r(m)
  where first_day is not null
),
all_periods as (
  select 'month' as kind, strftime(start_date, '%Y-%m') as period_id, start_date,
    cast(start_date + interval 1 month - interval 1 day as date) as end_date,
    strftime(start_date - interval 1 month, '%Y-%m') as prev_id,
    strftime(start_date - interval 1 year, '%Y-%m') as yoy_id
  from months
  union all
  select distinct 'quarter', strftime(q, '%Y') || 'Q' || quarter(q), q, cast(q + interval 3 month - interval 1 day as date),
    strftime(q - interval 3 month, '%Y') || 'Q' || quarter(q - interval 3 month),
    strftime(q - interval 1 year, '%Y') || 'Q' || quarter(q)
  from (select cast(date_trunc('quarter', start_date) as date) as q from months)
  union all
  select distinct 'year', strftime(y, '%Y'), y, cast(y + interval 1 year - interval 1 day as date),
    strftime(y - interval 1 year, '%Y'), strftime(y - interval 1 year, '%Y')
  from (select cast(date_trunc('year', start_date) as date) as y from months)
  union all
  -- the year so far (本年累计) to the end of a second or third quarter, id 2024Q3YTD; to the
  -- end of the first it is the quarter, to the end of the fourth the year. Its 同比 is the
  -- same span a year before; it has no 环比.
  select distinct 'ytd', strftime(q, '%Y') || 'Q' || quarter(q) || 'YTD', cast(date_trunc('year', q) as date),
    cast(q + interval 3 month - interval 1 day as date), cast(null as varchar),
    strftime(q - interval 1 year, '%Y') || 'Q' || quarter(q) || 'YTD'
  from (select cast(date_trunc('quarter', start_date) as date) as q from months)
  where quarter(q) in (2, 3)
)
select kind, period_id, start_date, end_date, end_date as cutoff, prev_id, yoy_id from all_periods;
create or replace temp table mq_periods_added as select * from periods anti join mq_periods_old using (period_id);
create or replace temp table mq_periods_gone as select * from mq_periods_old anti join periods using (period_id);
