-- Staged aggregate counts, one row per unit, date and scheme: unit-level already (at most ~10k communes
-- x 5 schemes per date), so the table is validated whole. Adds the unit spelled level:code, whether the
-- unit exists in its vintage, the ratio to the same unit's count in the same month a year earlier, and
-- the ratio to the unit's denominator for the year (population for BHYT, labour force otherwise).
with aggregates as (
    select
        as_of,
        vintage,
        unit_level,
        unit_code,
        scheme,
        participants
    from staging.aggregates
),

-- One count per unit, scheme and month, to compare with the year before without multiplying rows.
monthly as (
    select
        vintage,
        unit_level,
        unit_code,
        scheme,
        year(as_of) as year,
        month(as_of) as month,
        arg_max(participants, as_of) as participants
    from aggregates
    group by vintage, unit_level, unit_code, scheme, year(as_of), month(as_of)
),

denominators as (
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
    aggregates.as_of,
    last_day(aggregates.as_of) as month_end,
    aggregates.vintage,
    aggregates.unit_level,
    aggregates.unit_code,
    aggregates.unit_level || ':' || aggregates.unit_code as unit,
    aggregates.scheme,
    aggregates.participants,
    units.code is not null as unit_in_vintage,
    case
        when year_before.participants >= 500 then aggregates.participants / year_before.participants
    end as change_on_year_before,
    aggregates.participants / denominators.value as participants_per_denominator
from aggregates
left join units
    on
        aggregates.vintage = units.vintage
        and aggregates.unit_level = units.level
        and aggregates.unit_code = units.code
left join monthly as year_before
    on
        aggregates.vintage = year_before.vintage
        and aggregates.unit_level = year_before.unit_level
        and aggregates.unit_code = year_before.unit_code
        and aggregates.scheme = year_before.scheme
        and year(aggregates.as_of) - 1 = year_before.year
        and month(aggregates.as_of) = year_before.month
left join denominators
    on
        case when aggregates.scheme = 'BHYT' then 'population' else 'labour_force' end = denominators.kind
        and year(aggregates.as_of) = denominators.year
        and aggregates.vintage = denominators.vintage
        and aggregates.unit_level = denominators.unit_level
        and aggregates.unit_code = denominators.unit_code
order by aggregates.as_of, aggregates.unit_level, aggregates.unit_code, aggregates.scheme
