-- A mart's first rows for one period, shown in the Dagster UI after a build: today's units first,
-- from the nation down. The marts hold counts only, never personal data.
select *
from query_table($mart_table)
where period = $period
order by
    boundary = 'current' desc,
    case level when 'nation' then 0 when 'province' then 1 when 'district' then 2 else 3 end,
    unit_code
limit $preview_rows
