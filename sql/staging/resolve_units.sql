-- Resolve the unit of every incoming row (registered as incoming) in its boundary vintage: the
-- vintage column when given, else the vintage in force on the row's reference date (31 December of
-- the year, or as_of). unit_rule names the first unit problem, if any.
create or replace temp table resolved as
with vintages as (
    select distinct vintage from ref.admin_units
),

with_vintage as (
    select
        incoming.*,
        (
            select max(vintages.vintage) from vintages
            where vintages.vintage <= coalesce(incoming.vintage_declared, incoming.reference_date)
        ) as vintage
    from incoming
)

select
    with_vintage.*,
    case
        when
            with_vintage.vintage_raw is not null and with_vintage.vintage_declared is null
            then 'invalid_vintage'
        when with_vintage.unit_level is null then 'missing_unit_level'
        when
            with_vintage.unit_level not in ('nation', 'province', 'district', 'commune')
            then 'invalid_unit_level'
        when with_vintage.unit_code is null then 'missing_unit_code'
        when with_vintage.reference_date is null then null  -- the source's own date rule reports it
        when with_vintage.vintage is null then 'date_before_earliest_vintage'
        when units.code is null then 'unknown_unit_code'
    end as unit_rule,
    case
        when with_vintage.vintage_raw is not null and with_vintage.vintage_declared is null then 'vintage'
        when with_vintage.unit_level is null then 'unit_level'
        when with_vintage.unit_level not in ('nation', 'province', 'district', 'commune') then 'unit_level'
        else 'unit_code'
    end as unit_rule_column,
    case
        when
            with_vintage.vintage_raw is not null and with_vintage.vintage_declared is null
            then with_vintage.vintage_raw
        when
            with_vintage.unit_level not in ('nation', 'province', 'district', 'commune')
            then with_vintage.unit_level_raw
        else
            with_vintage.unit_level || ' ' || with_vintage.unit_code || ' in vintage ' || with_vintage.vintage
    end as unit_rule_value
from with_vintage
left join ref.admin_units as units
    on
        with_vintage.vintage = units.vintage
        and with_vintage.unit_level = units.level
        and with_vintage.unit_code = units.code;
