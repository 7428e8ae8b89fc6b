-- ref_unit_tree: one row per (unit, ancestor-or-self); key (code, ancestor).
-- ref_unit_names: one row per (name form, unit); a name form naming two units is ambiguous.
-- inputs: ref_units, ref_unit_aliases. Personal data: none.
create or replace table ref_unit_tree as
with recursive tree(code, ancestor, depth) as (
  select code, code, 0 from ref_units
  union all
  select t.code, u.parent, t.depth + 1
  from tree t join ref_units u on u.code = t.ancestor
  where u.parent is not null
)
select code, ancestor, depth from tree;

create or replace table ref_unit_names as
with forms as (
  select code, code as form from ref_units
  union all select code, name from ref_units
  union all select code, alias from ref_unit_aliases
  -- 西街村 → 西街村委会, 西街村民委员会, 西街村委; 西双河社区 → 西双河社区居委会, 西双河居委会 …
  union all select code, name || suffix from ref_units,
    unnest(['委会', '民委员会', '委']) s(suffix) where level = 'village' and name like '%村'
  union all select code, regexp_replace(name, '社区$', '') || suffix from ref_units,
    unnest(['社区居委会', '社区居民委员会', '居委会', '居民委员会']) s(suffix) where level = 'village' and name like '%社区'
  union all select code, name || suffix from ref_units,
    unnest(['人民政府', '政府']) s(suffix) where level = 'township' and (name like '%镇' or name like '%乡')
  union all select code, name || suffix from ref_units,
    unnest(['办事处', '办']) s(suffix) where level = 'township' and name like '%街道'
)
select distinct mq_key(form) as name_key, code from forms where mq_key(form) <> '';
