-- Staged plans of new participants, one row per unit, year, scheme and object code: small, validated
-- whole. Adds the unit spelled level:code, whether the unit exists in its vintage, and the plan as a
-- share of the unit's population (the figure of the plan's year, else the latest earlier one).
with plans as (
    select
        year,
        vintage,
        unit_level,
        unit_code,
        scheme,
        bhyt_object_code,
        planned_new
    from staging.plans
),

population as (
    select
        year,
        vintage,
        unit_level,
        unit_code,
        max(value) as value
    from staging.denominators
    where kind = 'population'
    group by year, vintage, unit_level, unit_code
),

units as (
    select
        vintage,
        level,
        code
    from ref.admin_units
)

select
    plans.year,
    plans.vintage,
    plans.unit_level,
    plans.unit_code,
    plans.unit_level || ':' || plans.unit_code as unit,
    plans.scheme,
    plans.bhyt_object_code,
    plans.planned_new,
    units.code is not null as unit_in_vintage,
    population.value as population,
    case when population.value >= 500 then plans.planned_new / population.value end as planned_per_population
from plans
left join units
    on
        plans.vintage = units.vintage
        and plans.unit_level = units.level
        and plans.unit_code = units.code
asof left join population
    on
        plans.vintage = population.vintage
        and plans.unit_level = population.unit_level
        and plans.unit_code = population.unit_code
        and plans.year >= population.year
order by plans.year, plans.unit_level, plans.unit_code, plans.scheme, plans.bhyt_object_code
