-- Shared expressions of the models: typing text the way exports write it.
-- mq_fold: full-width digits and separators to ASCII; trims.
create or replace macro mq_fold(s) as trim(translate(s, '０１２３４５６７８９：－／．　', '0123456789:-/. '));
-- mq_key: the form labels, names and items are matched in (no white space, folded).
create or replace macro mq_key(s) as regexp_replace(mq_fold(s), '\s+', '', 'g');
-- mq_ts: a date or date-time in any accepted form, else NULL. Accepted: 2024-07-03,
-- 2024/7/3, 2024.7.3, 2024年7月3日, 20240703, each with an optional time; full-width
-- digits; Excel serial numbers (from XLSX date cells).
create or replace macro mq_ts(s) as case
  when s is null or mq_fold(s) = '' then null
  when regexp_full_match(mq_fold(s), '[1-9]\d{4}(\.\d+)?')
    then timestamp '1899-12-30 00:00:00' + to_seconds(round(cast(mq_fold(s) as double) * 86400))
  when regexp_full_match(mq_fold(s), '\d{8}') then try_strptime(mq_fold(s), '%Y%m%d')
  else try_strptime(
    regexp_replace(regexp_replace(regexp_replace(mq_fold(s), '\s*[年月/.]\s*', '-', 'g'), '日', '', 'g'), '\s+', ' ', 'g'),
    ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f'])
end;
-- mq_bad_ts: text present that no accepted form parses.
create or replace macro mq_bad_ts(s) as coalesce(mq_fold(s), '') <> '' and mq_ts(s) is null;
-- mq_int: a whole number (5, 5.0, ５), else NULL; mq_bad_int: text present that is not one.
create or replace macro mq_int(s) as case when regexp_full_match(mq_fold(s), '\d+(\.0+)?') then cast(cast(mq_fold(s) as double) as integer) end;
create or replace macro mq_bad_int(s) as coalesce(mq_fold(s), '') <> '' and mq_int(s) is null;
-- mq_unknown: a label present that the vocabulary did not map.
create or replace macro mq_unknown(s, mapped) as coalesce(mq_fold(s), '') <> '' and mapped is null;
-- mq_desc_key: a description reduced for matching (no white space or punctuation).
create or replace macro mq_desc_key(s) as lower(regexp_replace(mq_fold(coalesce(s, '')), '[\s\p{P}\p{S}]', '', 'g'));
-- mq_has_time: the text carries a time of day (a clock time, or an Excel serial with a
-- fraction), not a bare date.
create or replace macro mq_has_time(s) as coalesce(regexp_matches(mq_fold(s), ':|^[1-9]\d{4}\.\d*[1-9]'), false);
