-- Shared expressions of the models: typing text the way exports write it.
-- mq_fold: full-width digits and separators to ASCII; trims.
create or replace macro mq_fold(s) as trim(translate(s, '０１２３４５６７８９：－／．　', '0123456789:-/. '));
-- mq_key: the form labels, names and items are matched in (no white space, folded).
create or replace macro mq_key(s) as regexp_replace(mq_fold(s), '\s+', '', 'g');
-- mq_ts: a date or date-time in any accepted form, as local (Asia/Shanghai) time, else NULL.
-- Dates: 2024-07-03, 2024/7/3, 2024.7.3, 2024年7月3日, 20240703, full-width digits, Excel
-- serial numbers (from XLSX date cells). A date whose year comes last (10/01/2015) is read
-- in the source's date order o, 'mdy' or 'dmy', and is refused under 'ymd' (the default;
-- one whose year comes first is always year-month-day). Times after a space or T: 9:05,
-- 09:05:00, 09:05:00.123, 下午3:05, 3:05 PM (12-hour hours 1-12: 上午12:30 is 00:30); a
-- time with a zone (Z, +08:00, +0800, -05) is converted to Asia/Shanghai, whatever the
-- session's TimeZone; a time without one stays as written.
-- One regexp_extract splits the text into the struct p (a b c: the date's numbers in
-- their written order; m: 上午/下午, h mi s f: the clock, ap: AM/PM, z: the zone; '' when
-- absent, all '' when the text fits no form); the lambdas bind values once per row.
create or replace macro mq_ts_text(p, o) as
  case when length(p.a) = 4 then p.a || '-' || p.b || '-' || p.c
    when length(p.c) = 4 and o = 'mdy' then p.c || '-' || p.a || '-' || p.b
    when length(p.c) = 4 and o = 'dmy' then p.c || '-' || p.b || '-' || p.a end
  || case when p.h = '' then ''
    else ' ' || case when p.m || p.ap = '' then p.h
        when p.h::int between 1 and 12 and p.m || upper(p.ap) in ('上午', 'AM', '下午', 'PM')
          then (p.h::int % 12 + if(p.m || upper(p.ap) in ('下午', 'PM'), 12, 0))::varchar end
      || ':' || p.mi || ':' || coalesce(nullif(p.s, ''), '00') || p.f end;
create or replace macro mq_ts_parts(p, o) as case when p.z = '' then try_cast(mq_ts_text(p, o) as timestamp)
  else timezone('Asia/Shanghai', try_cast(mq_ts_text(p, o) || replace(p.z, 'Z', '+00:00') as timestamptz)) end;
-- mq_ts_general: the parse of folded, non-empty text t in date order o.
create or replace macro mq_ts_general(t, o) as case
  when regexp_full_match(t, '[1-9]\d{4}(\.\d+)?')
    then timestamp '1899-12-30 00:00:00' + to_seconds(round(cast(t as double) * 86400))
  when regexp_full_match(t, '\d{8}') then try_strptime(t, '%Y%m%d')
  else list_transform([regexp_extract(t,
    '^(\d{1,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,4})\s*日?(?:(?:\s+|T|\s*(上午|下午)\s*)([01]?\d|2[0-3]):([0-5]?\d)(?::([0-5]?\d)(\.\d{1,9})?)?(?:\s*([AaPp][Mm]))?(?:\s*(Z|[+-]\d\d(?::?\d\d)?))?)?$',
    ['a', 'b', 'c', 'm', 'h', 'mi', 's', 'f', 'ap', 'z'])], lambda mq_p: mq_ts_parts(mq_p, coalesce(o, 'ymd')))[1]
end;
-- mq_ts_in: mq_ts_general, but the form nearly every export writes (2024-07-03,
-- 2024-07-03 09:05, 2024-07-03 09:05:00) is read by a plain cast, which gives the same
-- (FuzzDateParsing compares the two) at a fifth of the cost: a million rows' ten date
-- columns took 9 s of a transform.
create or replace macro mq_ts_in(s, o) as list_transform([mq_fold(s)], lambda mq_t: case
  when mq_t is null or mq_t = '' then null
  when regexp_full_match(mq_t, '\d{4}-\d\d-\d\d(?: (?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?')
    then try_cast(mq_t as timestamp)
  else mq_ts_general(mq_t, o)
end)[1];
create or replace macro mq_ts(s) as mq_ts_in(s, 'ymd'), (s, o) as mq_ts_in(s, o);
-- mq_bad_ts: text present that no accepted form parses (in date order o, default 'ymd').
create or replace macro mq_bad_ts(s) as coalesce(mq_fold(s), '') <> '' and mq_ts_in(s, 'ymd') is null,
  (s, o) as coalesce(mq_fold(s), '') <> '' and mq_ts_in(s, o) is null;
-- mq_unparsed: text s present whose parse t (mq_ts of s) is NULL: mq_bad_ts for a model
-- that has parsed s already.
create or replace macro mq_unparsed(s, t) as coalesce(mq_fold(s), '') <> '' and t is null;
-- mq_off_calendar: a parsed date outside [first, last], the days the working-day calendar
-- covers: such a row is quarantined BAD_DATE, never guessed and never a failed run.
create or replace macro mq_off_calendar(t, first, last) as t is not null and (cast(t as date) < first or cast(t as date) > last);
-- mq_int: a whole number (5, 5.0, ５) of at most nine digits, so that it always fits the
-- integer columns, else NULL; mq_bad_int: text present that is not one. A value that does
-- not fit is a quarantined row (BAD_NUMBER), never a failed cast that stops the run.
create or replace macro mq_int(s) as case when regexp_full_match(mq_fold(s), '0*\d{1,9}(\.0+)?') then try_cast(try_cast(mq_fold(s) as double) as integer) end;
create or replace macro mq_bad_int(s) as coalesce(mq_fold(s), '') <> '' and mq_int(s) is null;
-- mq_unknown: a label present that the vocabulary did not map.
create or replace macro mq_unknown(s, mapped) as coalesce(mq_fold(s), '') <> '' and mapped is null;
-- mq_desc_key: a description reduced for matching (no white space or punctuation).
create or replace macro mq_desc_key(s) as lower(regexp_replace(mq_fold(coalesce(s, '')), '[\s\p{P}\p{S}]', '', 'g'));
-- mq_has_time: the text carries a time of day (a clock time, or an Excel serial with a
-- fraction), not a bare date.
create or replace macro mq_has_time(s) as coalesce(regexp_matches(mq_fold(s), ':|^[1-9]\d{4}\.\d*[1-9]'), false);
-- mq_month_id, mq_quarter_id, mq_year_id: the period ids (periods.period_id) a date falls in.
create or replace macro mq_month_id(d) as strftime(d, '%Y-%m');
create or replace macro mq_quarter_id(d) as strftime(d, '%Y') || 'Q' || quarter(d);
create or replace macro mq_year_id(d) as strftime(d, '%Y');
-- mq_row_ref: where a value came from (file, sheet, row), as a struct: one spelling for
-- DuckDB's {…} and Spark's named_struct (transform/dialect).
create or replace macro mq_row_ref(file_id, sheet, row_no) as {'file_id': file_id, 'sheet': sheet, 'row_no': row_no};
