-- Catches: a unit built from rolls whose participants differ from the sum of its children's, at
-- any level, period, boundary and indicator (only where every child has a row). Figures reported
-- as aggregates for the unit itself are exempt: they are the reporter's own totals.
-- Scope: the period being built ($period, checked inside its transaction before the new rows replace
-- the old ones), or with $period NULL every period built since the last publication
-- (publication.unpublished_periods): the cost follows what is built, not the history held.
with checked_periods as (
    select unpublished.period
    from publication.unpublished_periods as unpublished
    where $period is null or unpublished.period = $period
),

children as (
    select
        coverage.period,
        coverage.boundary,
        coverage.vintage,
        units.parent_code,
        coverage.indicator,
        sum(coverage.participants) as children_participants,
        count(*) as n_children_with_rows
    from marts.coverage as coverage
    inner join ref.admin_units as units
        on coverage.vintage = units.vintage and coverage.unit_code = units.code
    where coverage.period in (select checked_periods.period from checked_periods)
    group by coverage.period, coverage.boundary, coverage.vintage, units.parent_code, coverage.indicator
),

children_per_parent as (
    select
        vintage,
        parent_code,
        count(*) as n_children
    from ref.admin_units
    where parent_code is not null
    group by vintage, parent_code
)

select
    parents.period,
    parents.boundary,
    parents.level,
    parents.unit_code,
    parents.indicator,
    parents.participants,
    children.children_participants
from marts.coverage as parents
inner join children
    on
        parents.period = children.period
        and parents.boundary = children.boundary
        and parents.vintage = children.vintage
        and parents.unit_code = children.parent_code
        and parents.indicator = children.indicator
inner join children_per_parent
    on
        children.vintage = children_per_parent.vintage
        and children.parent_code = children_per_parent.parent_code
where
    parents.period in (select checked_periods.period from checked_periods)
    and parents.source in ('roll', 'mixed')
    and children.n_children_with_rows = children_per_parent.n_children
    and parents.participants != children.children_participants
order by parents.period, parents.boundary, parents.unit_code, parents.indicator
