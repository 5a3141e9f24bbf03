-- Catches: a unit of an older vintage with no link to some later vintage (its history would vanish
-- when re-expressed on today's boundaries), and links whose source or target unit does not exist.
with vintages as (
    select distinct vintage from ref.admin_units
),

sources as (
    select
        units.vintage as from_vintage,
        units.level as from_level,
        units.code as from_code,
        later.vintage as to_vintage
    from ref.admin_units as units
    inner join vintages as later
        on units.vintage < later.vintage
),

unlinked as (
    select
        sources.from_vintage,
        sources.from_level,
        sources.from_code,
        sources.to_vintage,
        'no link to the later vintage' as problem
    from sources
    anti join ref.admin_crosswalk as links
        on
            sources.from_vintage = links.from_vintage
            and sources.from_level = links.from_level
            and sources.from_code = links.from_code
            and sources.to_vintage = links.to_vintage
),

unknown_source as (
    select
        links.from_vintage,
        links.from_level,
        links.from_code,
        links.to_vintage,
        'source unit not in its vintage' as problem
    from ref.admin_crosswalk as links
    anti join ref.admin_units as units
        on
            links.from_vintage = units.vintage
            and links.from_code = units.code
            and links.from_level = units.level
),

unknown_target as (
    select
        links.from_vintage,
        links.from_level,
        links.from_code,
        links.to_vintage,
        'target unit ' || links.to_code || ' not in its vintage' as problem
    from ref.admin_crosswalk as links
    anti join ref.admin_units as units
        on links.to_vintage = units.vintage and links.to_code = units.code
)

select * from unlinked
union all
select * from unknown_source
union all
select * from unknown_target
order by from_vintage, from_code, to_vintage
