-- Catches: a period and indicator whose national total differs between the as_reported and the
-- current boundary (re-expression must move people between units, never create or lose them).
-- Scope: the period being built ($period, checked inside its transaction before the new rows replace
-- the old ones), or with $period NULL every period built since the last publication
-- (publication.unpublished_periods): the cost follows what is built, not the history held.
with checked_periods as (
    select unpublished.period
    from publication.unpublished_periods as unpublished
    where $period is null or unpublished.period = $period
),

national as (
    select
        period,
        indicator,
        max(participants) filter (where boundary = 'as_reported') as as_reported,
        max(participants) filter (where boundary = 'current') as current
    from marts.coverage
    where level = 'nation' and period in (select checked_periods.period from checked_periods)
    group by period, indicator
)

select
    period,
    indicator,
    as_reported,
    current
from national
where as_reported is distinct from current
order by period, indicator
