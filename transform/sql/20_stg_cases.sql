-- stg_cases: one row per raw case row; key (file_id, sheet, row_no).
-- Types every field, maps labels, matches the unit and decides the row's quarantine
-- reason (docs/rules.md "Row checks": the first failing check wins).
-- inputs: raw_cases, ingest_files, unit_matches, label_map, ref_catalogue.
-- Personal data: none in clear; citizen_key is a keyed hash, *_masked are masked.
-- A column <f>_p is true when the row's export has a column for field f at all. A row
-- lacking a date its class's later stage needs is kept (40_cases.sql flags the case
-- DEADLINE_UNKNOWN); only 已办结 without a closure date is held to check 9, where the
-- export has a closure column.
-- Built for the files of the run (mq_files_new): a row depends on its file alone, so the
-- rows of files loaded before are kept, and those of files gone or replaced leave.
create or replace temp view stg_cases_in_scope as
with raw as (
  select r.*, f.source, f.path, f.exporter_unit, f.snapshot_date, f.loaded_at, f.date_order, rs.topic_separator
  from raw_cases r semi join mq_files_new using (file_id) join ingest_files f using (file_id)
  left join ref_sources rs on rs.source = f.source
),
labelled as (
  select r.*,
    um.unit_code, coalesce(um.matches, 0) as unit_matches,
    l_cat.value as category_v, l_st.value as status_v, l_res.value as result_v,
    l_sat.value as satisfaction_v, l_ch.value as channel_v, l_top.value as topic_v,
    l_px.value as proxy_v, l_fb.value as feedback_method_v,
    -- the platform's own verdict (按期办结 / 逾期办结), written as the result or the status
    coalesce(l_vr.value, l_vs.value) as verdict_v, l_vr.value is not null as result_is_verdict,
    cat.days as catalogue_days,
    -- each date parsed once: typing and the BAD_DATE check both read these
    mq_ts(r.received_at, r.date_order) as received_at_ts,
    mq_ts(r.due_at, r.date_order) as due_at_ts,
    mq_ts(r.supplement_requested_at, r.date_order) as supplement_requested_at_ts,
    mq_ts(r.supplement_done_at, r.date_order) as supplement_done_at_ts,
    mq_ts(r.escalated_at, r.date_order) as escalated_at_ts,
    mq_ts(r.reply_at, r.date_order) as reply_at_ts,
    mq_ts(r.closed_at, r.date_order) as closed_at_ts,
    mq_ts(r.first_contact_at, r.date_order) as first_contact_at_ts,
    mq_ts(r.feedback_at, r.date_order) as feedback_at_ts,
    mq_ts(r.updated_at, r.date_order) as updated_at_ts
  from raw r
  left join unit_matches um on um.kind = 'cases' and um.file_id = r.file_id and um.sheet = r.sheet and um.row_no = r.row_no
  left join label_map l_cat on l_cat.source = r.source and l_cat.field = 'category' and l_cat.label_key = mq_key(r.category)
  left join label_map l_st on l_st.source = r.source and l_st.field = 'status' and l_st.label_key = mq_key(r.status)
  left join label_map l_res on l_res.source = r.source and l_res.field = 'result' and l_res.label_key = mq_key(r.result)
  left join label_map l_sat on l_sat.source = r.source and l_sat.field = 'satisfaction' and l_sat.label_key = mq_key(r.satisfaction)
  left join label_map l_ch on l_ch.source = r.source and l_ch.field = 'channel' and l_ch.label_key = mq_key(r.channel)
  left join label_map l_top on l_top.source = r.source and l_top.field = 'topic' and l_top.label_key = mq_key(r.topic)
  left join label_map l_px on l_px.source = r.source and l_px.field = 'proxy' and l_px.label_key = mq_key(r.proxy)
  left join label_map l_fb on l_fb.source = r.source and l_fb.field = 'feedback_method' and l_fb.label_key = mq_key(r.feedback_method)
  left join label_map l_vr on l_vr.source = r.source and l_vr.field = 'verdict' and l_vr.label_key = mq_key(r.result)
  left join label_map l_vs on l_vs.source = r.source and l_vs.field = 'verdict' and l_vs.label_key = mq_key(r.status)
  left join ref_catalogue cat on cat.item_key = mq_key(r.item)
),
typed as (
  select
    file_id, sheet, row_no, source, path, bad_encoding, row_problem, row_problem_detail,
    nullif(upper(mq_key(case_no)), '') as case_no,
    unit as unit_text, unit_code, unit_matches,
    received_at_ts as received_at, mq_has_time(received_at) as received_has_time,
    category_v as category,
    nullif(mq_key(item), '') as item, item is not null as item_p,
    channel_v as channel, channel is not null as channel_p,
    -- a topic is kept as written when the vocabulary does not fold it; a source that
    -- names a separator writes levels (城市管理/市容环境/占道经营), kept as a list and
    -- joined with '/'
    case when topic_separator is not null and nullif(trim(mq_fold(topic)), '') is not null
      then array_to_string(list_filter(list_transform(string_split(mq_fold(topic), topic_separator), x -> trim(x)), x -> x <> ''), '/')
      else coalesce(topic_v, nullif(trim(mq_fold(topic)), '')) end as topic,
    case when topic_separator is not null and nullif(trim(mq_fold(topic)), '') is not null
      then list_filter(list_transform(string_split(mq_fold(topic), topic_separator), x -> trim(x)), x -> x <> '') end as topic_levels,
    topic is not null as topic_p,
    nullif(trim(mq_fold(department)), '') as department, department is not null as department_p,
    mq_int(promised_days) as promised_days, promised_days is not null as promised_days_p,
    catalogue_days,
    due_at_ts as due_at, due_at is not null as due_at_p,
    supplement_requested_at_ts as supplement_requested_at, supplement_requested_at is not null as supplement_requested_at_p,
    supplement_done_at_ts as supplement_done_at, supplement_done_at is not null as supplement_done_at_p,
    escalated_at_ts as escalated_at, escalated_at is not null as escalated_at_p,
    reply_at_ts as reply_at, reply_at is not null as reply_at_p,
    closed_at_ts as closed_at, closed_at is not null as closed_at_p, mq_has_time(closed_at) as closed_has_time,
    status_v as status, status is not null as status_p,
    -- a result column that holds only the platform's verdict says nothing about resolution
    result_v as result, result is not null and not result_is_verdict as result_p,
    verdict_v as verdict,
    first_contact_at_ts as first_contact_at, first_contact_at is not null as first_contact_at_p,
    feedback_at_ts as feedback_at, feedback_at is not null as feedback_at_p,
    feedback_method_v as feedback_method, feedback_method is not null as feedback_method_p,
    satisfaction_v as satisfaction, satisfaction is not null as satisfaction_p,
    proxy_v = '是' as is_proxy, proxy is not null as proxy_p,
    nullif(trim(handler), '') as handler, handler is not null as handler_p,
    citizen_key, citizen_name_masked, citizen_phone_masked, citizen_id_masked,
    nullif(trim(description), '') as description, description is not null as description_p,
    updated_at_ts as updated_at, snapshot_date,
    -- version time: updated_at, else the export's date (end of day), else the load time
    coalesce(updated_at_ts, snapshot_date + interval '1 day' - interval '1 second', loaded_at) as version_at,
    coalesce(updated_at_ts, snapshot_date + interval '1 day' - interval '1 second') as known_at,
    -- checks, in order
    coalesce(mq_key(unit), '') = '' or coalesce(mq_key(received_at), '') = '' or coalesce(mq_key(category), '') = '' as missing_core,
    mq_unparsed(received_at, received_at_ts) or mq_unparsed(due_at, due_at_ts) or mq_unparsed(supplement_requested_at, supplement_requested_at_ts) or mq_unparsed(supplement_done_at, supplement_done_at_ts)
      or mq_unparsed(escalated_at, escalated_at_ts) or mq_unparsed(reply_at, reply_at_ts) or mq_unparsed(closed_at, closed_at_ts) or mq_unparsed(first_contact_at, first_contact_at_ts)
      or mq_unparsed(feedback_at, feedback_at_ts) or mq_unparsed(updated_at, updated_at_ts) as bad_date,
    -- UNKNOWN_LABEL: which field holds which label the vocabulary does not know ('' = none)
    concat_ws('; ',
      case when mq_unknown(category, category_v) then 'category ' || trim(category) end,
      case when mq_unknown(status, status_v) then 'status ' || trim(status) end,
      case when mq_unknown(result, coalesce(result_v, verdict_v)) then 'result ' || trim(result) end,
      case when mq_unknown(satisfaction, satisfaction_v) then 'satisfaction ' || trim(satisfaction) end,
      case when mq_unknown(channel, channel_v) then 'channel ' || trim(channel) end,
      case when mq_unknown(proxy, proxy_v) then 'proxy ' || trim(proxy) end,
      case when mq_unknown(feedback_method, feedback_method_v) then 'feedback_method ' || trim(feedback_method) end) as unknown_label_detail,
    mq_bad_int(promised_days) as bad_number
  from labelled
),
checked as (
  select typed.*,
    mq_off_calendar(received_at, cal.first_day, cal.last_day) or mq_off_calendar(due_at, cal.first_day, cal.last_day)
      or mq_off_calendar(supplement_requested_at, cal.first_day, cal.last_day) or mq_off_calendar(supplement_done_at, cal.first_day, cal.last_day)
      or mq_off_calendar(escalated_at, cal.first_day, cal.last_day) or mq_off_calendar(reply_at, cal.first_day, cal.last_day)
      or mq_off_calendar(closed_at, cal.first_day, cal.last_day) or mq_off_calendar(first_contact_at, cal.first_day, cal.last_day)
      or mq_off_calendar(feedback_at, cal.first_day, cal.last_day) or mq_off_calendar(updated_at, cal.first_day, cal.last_day) as off_calendar,
    strftime(cal.first_day, '%Y') || '–' || strftime(cal.last_day, '%Y') as calendar_years
  from typed, (select min(day) as first_day, max(day) as last_day from ref_calendar) cal
),
reasoned as (
  select *,
    case
      when row_problem is not null then row_problem
      when bad_encoding then 'BAD_ENCODING'
      when missing_core then 'MISSING_FIELD'
      when bad_date then 'BAD_DATE'
      when off_calendar then 'BAD_DATE'
      when unit_code is null or unit_matches <> 1 then 'UNKNOWN_UNIT'
      when unknown_label_detail <> '' then 'UNKNOWN_LABEL'
      when bad_number then 'BAD_NUMBER'
      when known_at is not null and greatest(received_at, supplement_requested_at, supplement_done_at, escalated_at,
             reply_at, closed_at, first_contact_at, feedback_at) > known_at then 'FUTURE_DATE'
      when cast(closed_at as date) < cast(received_at as date) then 'CLOSED_BEFORE_RECEIVED'
    end as reason,
    case
      when row_problem is not null then row_problem_detail
      when bad_encoding then 'bytes invalid in the file''s encoding'
      when missing_core then 'unit, received_at and category are required'
      when bad_date then 'a date no accepted form parses'
      when off_calendar then 'a date outside the years the working-day calendar covers (' || calendar_years || ')'
      when unit_code is null or unit_matches <> 1 then
        case when unit_matches > 1 then 'unit names more than one unit: ' else 'unit not in the register: ' end || coalesce(unit_text, '')
      when unknown_label_detail <> '' then 'a label the vocabulary does not know: ' || unknown_label_detail
      when bad_number then 'promised_days is not a whole number'
      when known_at is not null and greatest(received_at, supplement_requested_at, supplement_done_at, escalated_at,
             reply_at, closed_at, first_contact_at, feedback_at) > known_at then 'a date after the export''s own date ' || strftime(known_at, '%Y-%m-%d %H:%M')
      when cast(closed_at as date) < cast(received_at as date) then 'closed before received'
    end as reason_detail
  from checked
)
select * exclude (missing_core, bad_date, unknown_label_detail, bad_number, off_calendar, calendar_years) from reasoned;

create table if not exists stg_cases as select * from stg_cases_in_scope limit 0;
delete from stg_cases where file_id in (select file_id from mq_files_gone union all select file_id from mq_files_new);
insert into stg_cases by name select * from stg_cases_in_scope;
