-- label_map: one row per (source, field, label as written) with its canonical value; key
-- (source, field, label_key). A source's own labels (the config's sources[].labels) win
-- over the built-in vocabulary (labels.csv) for that source only.
-- inputs: ingest_files, ref_labels, ref_label_overrides. Personal data: none.
create or replace table label_map as
with sources as (select distinct source from ingest_files)
select o.source, o.field, o.label_key, o.value
from ref_label_overrides o semi join sources s using (source)
union all
select s.source, l.field, l.label_key, l.value
from sources s cross join ref_labels l
anti join ref_label_overrides o on o.source = s.source and o.field = l.field and o.label_key = l.label_key;
