-- Catches: a negative count anywhere in the marts (participants, denominators, persons still needed,
-- new, continuing, stopped or due participants).
select
    'coverage' as mart,
    period,
    boundary,
    unit_code,
    indicator as item
from marts.coverage
where participants < 0 or denominator < 0 or persons_to_target < 0
union all
select
    'plan_attainment' as mart,
    period,
    boundary,
    unit_code,
    scheme as item
from marts.plan_attainment
where new_participants < 0 or planned_new < 0
union all
select
    'bhyt_groups' as mart,
    period,
    boundary,
    unit_code,
    object_code as item
from marts.bhyt_groups
where participants < 0
union all
select
    'retention' as mart,
    period,
    boundary,
    unit_code,
    scheme as item
from marts.retention
where continuing < 0 or new < 0 or stopped < 0 or due_next_month < 0
