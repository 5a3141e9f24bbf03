-- Catches: a negative count anywhere in the marts (participants, denominators, persons still needed,
-- new, continuing, stopped or due participants).
-- Scope: the period being built ($period, checked inside its transaction before the new rows replace
-- the old ones), or with $period NULL every period built since the last publication
-- (publication.unpublished_periods): the cost follows what is built, not the history held.
with checked_periods as (
    select unpublished.period
    from publication.unpublished_periods as unpublished
    where $period is null or unpublished.period = $period
)

select
    'coverage' as mart,
    period,
    boundary,
    unit_code,
    indicator as item
from marts.coverage
where
    period in (select checked_periods.period from checked_periods)
    and (participants < 0 or denominator < 0 or persons_to_target < 0)
union all
select
    'plan_attainment' as mart,
    period,
    boundary,
    unit_code,
    scheme as item
from marts.plan_attainment
where
    period in (select checked_periods.period from checked_periods)
    and (new_participants < 0 or planned_new < 0)
union all
select
    'bhyt_groups' as mart,
    period,
    boundary,
    unit_code,
    object_code as item
from marts.bhyt_groups
where
    period in (select checked_periods.period from checked_periods)
    and (participants < 0)
union all
select
    'retention' as mart,
    period,
    boundary,
    unit_code,
    scheme as item
from marts.retention
where
    period in (select checked_periods.period from checked_periods)
    and (continuing < 0 or new < 0 or stopped < 0 or due_next_month < 0)
