-- Catches: a unit listed twice in one vintage (a unit is identified by vintage and code), or a unit
-- whose level is not nation, province, district or commune. The table has no key constraint (a
-- DuckLake table cannot have one): this check guards what the key did.
select
    vintage,
    code,
    count(*) as n_rows,
    string_agg(distinct level, ', ' order by level) as levels
from ref.admin_units
group by vintage, code
having count(*) > 1 or bool_or(level not in ('nation', 'province', 'district', 'commune'))
