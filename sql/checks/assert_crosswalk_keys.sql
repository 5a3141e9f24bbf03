-- Catches: a link listed twice (from a unit of one vintage to a unit of a later one), or a link whose
-- weight is outside 0…1. The table has no key or CHECK constraint (a DuckLake table can have
-- neither): this check guards what they did.
select
    from_vintage,
    from_level,
    from_code,
    to_vintage,
    to_code,
    count(*) as n_rows,
    min(weight) as lowest_weight,
    max(weight) as highest_weight
from ref.admin_crosswalk
group by from_vintage, from_level, from_code, to_vintage, to_code
having count(*) > 1 or min(weight) < 0 or max(weight) > 1
