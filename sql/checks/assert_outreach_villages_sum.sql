-- Catches: a commune of marts.outreach whose village rows do not add up to the commune's own row (the
-- two are counted separately), for any count: a resident lost or counted twice between the village
-- lists a commune works from and its totals.
-- Scope: the period being built ($period), or with $period NULL every period built since the last
-- publication (publication.unpublished_periods).
with checked_periods as (
    select unpublished.period
    from publication.unpublished_periods as unpublished
    where $period is null or unpublished.period = $period
),

villages as (
    select
        period,
        boundary,
        unit_code,
        sum(residents) as residents,
        sum(working_age_residents) as working_age_residents,
        sum(residents_without_bhyt) as residents_without_bhyt,
        sum(working_age_without_bhxh) as working_age_without_bhxh,
        sum(bhyt_lapsed_3m) as bhyt_lapsed_3m,
        sum(bhyt_due_next_month) as bhyt_due_next_month
    from marts.outreach
    where level = 'village' and period in (select checked_periods.period from checked_periods)
    group by period, boundary, unit_code
),

communes as (
    select
        period,
        boundary,
        unit_code,
        residents,
        working_age_residents,
        residents_without_bhyt,
        working_age_without_bhxh,
        bhyt_lapsed_3m,
        bhyt_due_next_month
    from marts.outreach
    where level = 'commune' and period in (select checked_periods.period from checked_periods)
)

select
    coalesce(communes.period, villages.period) as period,
    coalesce(communes.boundary, villages.boundary) as boundary,
    coalesce(communes.unit_code, villages.unit_code) as unit_code,
    communes.residents as commune_residents,
    villages.residents as village_residents
from communes
full outer join villages
    on
        communes.period = villages.period
        and communes.boundary = villages.boundary
        and communes.unit_code = villages.unit_code
where
    communes.unit_code is null
    or villages.unit_code is null
    or communes.residents != villages.residents
    or communes.working_age_residents != villages.working_age_residents
    or communes.residents_without_bhyt != villages.residents_without_bhyt
    or communes.working_age_without_bhxh != villages.working_age_without_bhxh
    or communes.bhyt_lapsed_3m != villages.bhyt_lapsed_3m
    or communes.bhyt_due_next_month != villages.bhyt_due_next_month
order by period, boundary, unit_code
limit 1000;
