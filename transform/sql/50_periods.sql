-- periods: one row per month, quarter, year and year so far (ytd: January to the end of a
-- second or third quarter) from the first to the last event date of
-- the data (receipt, closure, visit, activity); key period_id. prev_id is the previous
-- period of the same kind (环比), yoy_id the same period a year before (同比).
-- inputs: cases, visits, services.
-- The periods of the run before are kept aside (mq_periods_old) with what was added and
-- what is gone, for the figures to be built for those alone.
-- only on duckdb
create table if not exists periods (kind varchar, period_id varchar, start_date date, end_date date, cutoff date, prev_id varchar, yoy_id varchar);
-- only on duckdb
create or replace temp table mq_periods_old as select * from periods;
create or replace temp view mq_periods_now as
with bounds as (
  select min(d) as first_day, max(d) as last_day from (
    select received_date as d from cases union all select closed_date from cases
    union all select visited_on from visits union all select served_on from services
  ) e where d is not null
),
months as (
  -- every month from the first date's to the last's: the calendar has every day between
  -- (a date off the calendar is quarantined BAD_DATE in staging)
  select distinct cast(date_trunc('month', c.day) as date) as start_date
  from bounds b join ref_calendar c on c.day between b.first_day and b.last_day
),
all_periods as (
  select 'month' as kind, mq_month_id(start_date) as period_id, start_date,
    cast(start_date + interval 1 month - interval 1 day as date) as end_date,
    mq_month_id(start_date - interval 1 month) as prev_id,
    mq_month_id(start_date - interval 1 year) as yoy_id
  from months
  union all
  select distinct 'quarter', mq_quarter_id(q), q, cast(q + interval 3 month - interval 1 day as date),
    mq_quarter_id(q - interval 3 month), mq_quarter_id(q - interval 1 year)
  from (select cast(date_trunc('quarter', start_date) as date) as q from months) mq
  union all
  select distinct 'year', mq_year_id(y), y, cast(y + interval 1 year - interval 1 day as date),
    mq_year_id(y - interval 1 year), mq_year_id(y - interval 1 year)
  from (select cast(date_trunc('year', start_date) as date) as y from months) my
  union all
  -- the year so far (本年累计) to the end of a second or third quarter, id 2024Q3YTD; to the
  -- end of the first it is the quarter, to the end of the fourth the year. Its 同比 is the
  -- same span a year before; it has no 环比.
  select distinct 'ytd', mq_quarter_id(q) || 'YTD', cast(date_trunc('year', q) as date),
    cast(q + interval 3 month - interval 1 day as date), cast(null as varchar),
    mq_quarter_id(q - interval 1 year) || 'YTD'
  from (select cast(date_trunc('quarter', start_date) as date) as q from months) mq
  where quarter(q) in (2, 3)
)
select kind, period_id, start_date, end_date, end_date as cutoff, prev_id, yoy_id from all_periods;
-- only on duckdb
create or replace table periods as select * from mq_periods_now;
-- only on spark
create or replace temp table periods as select * from mq_periods_now;
-- only on duckdb
create or replace temp table mq_periods_added as select * from periods anti join mq_periods_old using (period_id);
-- only on duckdb
create or replace temp table mq_periods_gone as select * from mq_periods_old anti join periods using (period_id);
