-- The mq_ macros the shared models call, in Spark SQL: the same names, arguments and
-- results as transform/sql/00_macros.sql gives them on DuckDB (TestMacrosAgree). Run
-- under dialect.SparkSettings: a backslash in a literal is a backslash.
-- mq_fold: full-width digits and separators to ASCII; trims. DuckDB's trim takes the
-- space separators (Unicode Zs: U+0020, U+00A0, U+3000 …) from both ends, Spark's only
-- U+0020, so the ends are cut by class.
create or replace temporary function mq_fold(s string) returns string
return regexp_replace(translate(s, '０１２３４５６７８９：－／．　', '0123456789:-/. '), '^\p{Zs}+|\p{Zs}+$', '');
-- mq_desc_key: a description reduced for matching (no white space or punctuation). RE2's
-- \s is [\t\n\f\r ]; Java's also takes \x0B, so the class is written out. DuckDB's
-- lower maps one character to one (İ to i); Spark's makes İ two (i and a combining dot).
create or replace temporary function mq_desc_key(s string) returns string
return lower(replace(regexp_replace(mq_fold(coalesce(s, '')), '[\t\n\f\r \p{P}\p{S}]', ''), 'İ', 'i'));
-- mq_row_ref: where a value came from, (file, sheet, row): DuckDB's struct literal.
create or replace temporary function mq_row_ref(file_id string, sheet string, row_no int)
returns struct<file_id: string, sheet: string, row_no: int>
return named_struct('file_id', file_id, 'sheet', sheet, 'row_no', row_no);
-- mq_month_id, mq_quarter_id, mq_year_id: the period ids (periods.period_id) a date falls in.
create or replace temporary function mq_month_id(d date) returns string return date_format(d, 'yyyy-MM');
create or replace temporary function mq_quarter_id(d date) returns string return date_format(d, 'yyyy') || 'Q' || quarter(d);
create or replace temporary function mq_year_id(d date) returns string return date_format(d, 'yyyy');
