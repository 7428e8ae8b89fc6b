-- Every input row ends in exactly one place: read = loaded + quarantined + skipped, and
-- the raw table holds exactly the data rows the file register says.
select a.path, a.rows_read, a.loaded, a.quarantined, a.skipped, a.rows_data, r.n as raw_rows
from source_accounting a
left join (
  select file_id, count(*) as n from (
    select file_id from raw_cases union all select file_id from raw_visits union all select file_id from raw_services
  ) group by file_id
) r using (file_id)
where a.rows_read <> a.loaded + a.quarantined + a.skipped
   or a.rows_data <> coalesce(r.n, 0)
   or a.loaded < 0
