-- supervision_notices: one row per supervision notice (督办单) issued; key notice_no
-- (督办〔2024〕3号), unique (year, seq). issued_on is the as-of day of its list, issued_at
-- the local time (Asia/Shanghai) it was recorded.
-- supervision_notice_cases: one row per case listed on a notice; key (notice_no, case_key);
-- position is its place on the notice. The case as the notice printed it, as at issued_on.
-- Personal data: citizen_name_masked, citizen_phone_masked and description (scrubbed), as
-- the cases table holds them; nothing in clear.
-- Kept across transform runs: these record acts, not figures, and no model rebuilds them.
create table if not exists supervision_notices (
  notice_no varchar primary key,
  year integer not null,
  seq integer not null,
  unit_code varchar not null,
  unit_name varchar not null,
  issued_on date not null,
  issued_at timestamp not null,
  run_id varchar not null,
  warn_days integer not null,
  unique (year, seq)
);
create table if not exists supervision_notice_cases (
  notice_no varchar not null,
  position integer not null,
  case_key varchar not null,
  case_no varchar,
  unit_code varchar not null,
  unit_name varchar not null,
  township_code varchar,
  township_name varchar,
  category varchar,
  topic varchar,
  status varchar,
  received_at timestamp not null,
  deadline date not null,
  kind varchar not null,
  days_overdue integer not null,
  days_left integer not null,
  file varchar,
  sheet varchar,
  row_no integer,
  citizen_name_masked varchar,
  citizen_phone_masked varchar,
  description varchar,
  primary key (notice_no, case_key)
);
