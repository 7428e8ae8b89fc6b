-- One current row per case.
select case_key, count(*) from cases group by case_key having count(*) > 1
