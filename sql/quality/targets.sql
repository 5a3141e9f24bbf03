-- Staged coverage targets, one row per unit, year and indicator: small, validated whole. Adds the unit
-- spelled level:code, whether the unit exists in its vintage, the year of the due date, and for bhxh
-- rows the gap between the compulsory and voluntary targets' sum and the total (percentage points).
with targets as (
    select
        year,
        vintage,
        unit_level,
        unit_code,
        indicator,
        target_pct,
        due_date
    from staging.targets
),

bhxh_parts as (
    select
        year,
        vintage,
        unit_level,
        unit_code,
        max(target_pct) filter (where indicator = 'bhxh') as bhxh,
        max(target_pct) filter (where indicator = 'bhxh_bb') as bhxh_bb,
        max(target_pct) filter (where indicator = 'bhxh_tn') as bhxh_tn
    from targets
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
    targets.year,
    targets.vintage,
    targets.unit_level,
    targets.unit_code,
    targets.unit_level || ':' || targets.unit_code as unit,
    targets.indicator,
    targets.target_pct,
    targets.due_date,
    year(targets.due_date) as due_year,
    units.code is not null as unit_in_vintage,
    case
        when targets.indicator = 'bhxh' then bhxh_parts.bhxh_bb + bhxh_parts.bhxh_tn - bhxh_parts.bhxh
    end as bhxh_components_gap
from targets
left join units
    on
        targets.vintage = units.vintage
        and targets.unit_level = units.level
        and targets.unit_code = units.code
left join bhxh_parts
    on
        targets.year = bhxh_parts.year
        and targets.vintage = bhxh_parts.vintage
        and targets.unit_level = bhxh_parts.unit_level
        and targets.unit_code = bhxh_parts.unit_code
order by targets.year, targets.unit_level, targets.unit_code, targets.indicator
