-- Catches: a source unit whose link weights to one later vintage do not sum to 1, which would create
-- or lose people when history is re-expressed on later boundaries.
select
    from_vintage,
    from_level,
    from_code,
    to_vintage,
    sum(weight) as total_weight,
    count(*) as n_links
from ref.admin_crosswalk
group by from_vintage, from_level, from_code, to_vintage
having abs(sum(weight) - 1) > $tolerance
order by from_vintage, from_level, from_code, to_vintage
