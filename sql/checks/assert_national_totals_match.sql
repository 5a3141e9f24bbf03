-- Catches: a period and indicator whose national total differs between the as_reported and the
-- current boundary (re-expression must move people between units, never create or lose them).
with national as (
    select
        period,
        indicator,
        max(participants) filter (where boundary = 'as_reported') as as_reported,
        max(participants) filter (where boundary = 'current') as current
    from marts.coverage
    where level = 'nation'
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
