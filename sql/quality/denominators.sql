-- Staged denominators of one kind ($source: population or labour_force), one row per unit and year:
-- unit-level figures, validated whole. Adds the unit spelled level:code, whether the unit exists in its
-- vintage, the ratio to the same unit's figure a year earlier, and labour force / population where the
-- unit has both figures for the year.
with figures as (
    select
        year,
        vintage,
        unit_level,
        unit_code,
        value
    from staging.denominators
    where kind = $source
),

-- One figure per kind, unit and year, so that the joins below never multiply rows (duplicates are
-- reported by the suite itself).
by_unit as (
    select
        kind,
        year,
        vintage,
        unit_level,
        unit_code,
        max(value) as value
    from staging.denominators
    group by kind, year, vintage, unit_level, unit_code
),

units as (
    select
        vintage,
        level,
        code
    from ref.admin_units
)

select
    figures.year,
    figures.vintage,
    figures.unit_level,
    figures.unit_code,
    figures.unit_level || ':' || figures.unit_code as unit,
    figures.value,
    units.code is not null as unit_in_vintage,
    -- Ratios on small units swing by chance: units under 500 people are left out (NULL is skipped).
    case when year_before.value >= 500 then figures.value / year_before.value end as change_on_year_before,
    case
        when greatest(population.value, labour_force.value) >= 500 then labour_force.value / population.value
    end as labour_force_share,
    -- Scale-free: a figure given in thousands, or at the wrong level, is far from its level's median.
    figures.value / median(figures.value) over (
        partition by figures.year, figures.vintage, figures.unit_level
    ) as ratio_to_level_median
from figures
left join units
    on
        figures.vintage = units.vintage
        and figures.unit_level = units.level
        and figures.unit_code = units.code
left join by_unit as year_before
    on
        year_before.kind = $source
        and figures.year - 1 = year_before.year
        and figures.vintage = year_before.vintage
        and figures.unit_level = year_before.unit_level
        and figures.unit_code = year_before.unit_code
left join by_unit as population
    on
        population.kind = 'population'
        and figures.year = population.year
        and figures.vintage = population.vintage
        and figures.unit_level = population.unit_level
        and figures.unit_code = population.unit_code
left join by_unit as labour_force
    on
        labour_force.kind = 'labour_force'
        and figures.year = labour_force.year
        and figures.vintage = labour_force.vintage
        and figures.unit_level = labour_force.unit_level
        and figures.unit_code = labour_force.unit_code
order by figures.year, figures.unit_level, figures.unit_code
