-- marts.completeness for one period: every unit of both boundaries and every indicator, with how its
-- figure arrived (roll, aggregate, mixed, or nothing) and how many of its sub-units and communes have
-- one. A unit has a figure in marts.coverage exactly when delivered != 'nothing'; when it has none
-- because a sub-unit is missing, the missing sub-units are the rows of this period with
-- delivered = 'nothing' and parent_code = that unit. Replaces the period.
delete from marts.completeness
where period = $period;

insert into marts.completeness by name
with boundaries as (
    select * from period_boundaries
),

indicators as (
    select unnest(['bhxh', 'bhxh_bb', 'bhxh_tn', 'bhtn', 'bhyt']) as indicator
),

figures as (
    select
        boundary,
        level,
        unit_code,
        key as indicator,
        source
    from period_facts
    where measure = 'participants'
),

units as (
    select
        boundaries.boundary,
        units.vintage,
        units.level,
        units.code as unit_code,
        units.name as unit_name,
        units.parent_code,
        units.province_code,
        indicators.indicator,
        coalesce(figures.source, 'nothing') as delivered
    from ref.admin_units as units
    inner join boundaries
        on units.vintage = boundaries.vintage
    cross join indicators
    left join figures
        on
            boundaries.boundary = figures.boundary
            and units.level = figures.level
            and units.code = figures.unit_code
            and indicators.indicator = figures.indicator
),

sub_units as (
    select
        boundary,
        parent_code as unit_code,
        indicator,
        count(*) as sub_units,
        count(*) filter (where delivered != 'nothing') as sub_units_delivered
    from units
    where parent_code is not null
    group by boundary, parent_code, indicator
),

-- Communes under each province and (before 2025) each district; the nation's are all of them.
communes_per_unit as (
    select
        boundary,
        indicator,
        province_code as unit_code,
        count(*) as communes,
        count(*) filter (where delivered != 'nothing') as communes_delivered
    from units
    where level = 'commune'
    group by boundary, indicator, province_code
    union all
    select
        boundary,
        indicator,
        parent_code as unit_code,
        count(*) as communes,
        count(*) filter (where delivered != 'nothing') as communes_delivered
    from units
    where level = 'commune' and parent_code != province_code
    group by boundary, indicator, parent_code
),

communes_per_boundary as (
    select
        boundary,
        indicator,
        count(*) as communes,
        count(*) filter (where delivered != 'nothing') as communes_delivered
    from units
    where level = 'commune'
    group by boundary, indicator
)

select
    $period as period,
    $year as year,
    units.boundary,
    units.vintage,
    units.level,
    units.unit_code,
    units.unit_name,
    units.parent_code,
    units.province_code,
    provinces.name as province_name,
    units.indicator,
    units.delivered,
    coalesce(sub_units.sub_units, 0) as sub_units,
    coalesce(sub_units.sub_units_delivered, 0) as sub_units_delivered,
    coalesce(sub_units.sub_units, 0) - coalesce(sub_units.sub_units_delivered, 0) as sub_units_missing,
    case units.level
        when 'commune' then 1
        when 'nation' then communes_per_boundary.communes
        else coalesce(communes_per_unit.communes, 0)
    end as communes,
    case units.level
        when 'commune' then (units.delivered != 'nothing')::integer
        when 'nation' then communes_per_boundary.communes_delivered
        else coalesce(communes_per_unit.communes_delivered, 0)
    end as communes_delivered
-- The joins below are equalities only: a condition on units.level alone in a left join's condition
-- made DuckDB join by nested loop (0.86 s a period). Each joins at most one row per unit (a code is
-- unique within a boundary's vintage), and the case expressions above read a join's columns only for
-- the levels it is meant for.
from units
left join sub_units
    on
        units.boundary = sub_units.boundary
        and units.unit_code = sub_units.unit_code
        and units.indicator = sub_units.indicator
left join communes_per_unit
    on
        units.boundary = communes_per_unit.boundary
        and units.unit_code = communes_per_unit.unit_code
        and units.indicator = communes_per_unit.indicator
left join communes_per_boundary
    on
        units.boundary = communes_per_boundary.boundary
        and units.indicator = communes_per_boundary.indicator
left join ref.admin_units as provinces
    on
        units.vintage = provinces.vintage
        and units.province_code = provinces.code
        and provinces.level = 'province';
