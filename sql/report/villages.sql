-- The villages (thôn, tổ dân phố) of a commune from marts.outreach, the most residents without BHYT
-- first; empty for other units and for a month without a resident register.
select
    village,
    residents,
    working_age_residents,
    residents_without_bhyt,
    working_age_without_bhxh,
    bhyt_lapsed_3m,
    bhyt_due_next_month,
    approximate
from marts.outreach
where
    period = $period
    and boundary = $boundary
    and level = 'village'
    and unit_code = $unit
    and $level = 'commune'
order by residents_without_bhyt desc, village asc
