-- Catches: a break of a mart's grain (docs/marts.md): two rows for one period, boundary, level, unit
-- and item (coverage: indicator; plan_attainment: scheme and object code; bhyt_groups: object code;
-- retention: scheme; completeness and projection: indicator; outreach: the village, or none on the
-- commune's own row), or a unit_code that is not a unit of
-- its level in its vintage in ref.admin_units.
-- $mart names one mart (NULL: all of them).
-- Scope: the period being built ($period, checked inside its transaction before the new rows replace
-- the old ones), or with $period NULL every period built since the last publication
-- (publication.unpublished_periods): the cost follows what is built, not the history held.
with checked_periods as (
    select unpublished.period
    from publication.unpublished_periods as unpublished
    where $period is null or unpublished.period = $period
),

keyed as (
    select
        'coverage' as mart,
        period,
        boundary,
        vintage,
        level,
        unit_code,
        indicator as item
    from marts.coverage
    union all
    select
        'plan_attainment' as mart,
        period,
        boundary,
        vintage,
        level,
        unit_code,
        scheme || coalesce(':' || bhyt_object_code, '') as item
    from marts.plan_attainment
    union all
    select
        'bhyt_groups' as mart,
        period,
        boundary,
        vintage,
        level,
        unit_code,
        object_code as item
    from marts.bhyt_groups
    union all
    select
        'retention' as mart,
        period,
        boundary,
        vintage,
        level,
        unit_code,
        scheme as item
    from marts.retention
    union all
    select
        'completeness' as mart,
        period,
        boundary,
        vintage,
        level,
        unit_code,
        indicator as item
    from marts.completeness
    union all
    select
        'projection' as mart,
        period,
        boundary,
        vintage,
        level,
        unit_code,
        indicator as item
    from marts.projection
    union all
    select
        'outreach' as mart,
        period,
        boundary,
        vintage,
        'commune' as level,
        unit_code,
        level || ':' || coalesce(village, '') as item
    from marts.outreach
),

built as (
    select keyed.*
    from keyed
    where
        ($mart is null or keyed.mart = $mart)
        and keyed.period in (select checked_periods.period from checked_periods)
),

repeated as (
    select
        'repeated key' as problem,
        mart,
        period,
        boundary,
        level,
        unit_code,
        item
    from built
    group by mart, period, boundary, level, unit_code, item
    having count(*) > 1
),

unknown_units as (
    select
        'unit not in ref.admin_units for its vintage and level' as problem,
        built.mart,
        built.period,
        built.boundary,
        built.level,
        built.unit_code,
        built.vintage::varchar as item
    from built
    anti join ref.admin_units as units
        on built.vintage = units.vintage and built.level = units.level and built.unit_code = units.code
)

select * from repeated
union all
select * from unknown_units
order by problem, mart, period, unit_code
limit 1000;
