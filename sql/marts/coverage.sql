-- marts.coverage for one period: participants per indicator at every level and on both boundaries,
-- against the year's denominator and the unit's own target. Replaces the period.
delete from marts.coverage
where period = $period;

insert into marts.coverage by name
with participants as (
    select
        boundary,
        vintage,
        level,
        unit_code,
        key as indicator,
        value,
        source,
        approximate,
        case when key = 'bhyt' then 'population' else 'labour_force' end as denominator_kind
    from period_facts
    where measure = 'participants'
),

-- A zero denominator only arises when re-expression apportions a tiny share of an old unit
-- (ingestion quarantines non-positive ones): it is unknown, not a rate of 0/0 (NaN, which DuckDB
-- orders above 100).
denominators as (
    select
        boundary,
        level,
        unit_code,
        key as kind,
        nullif(value, 0) as value,
        approximate
    from period_facts
    where measure = 'denominator'
),

targets as (
    select
        vintage,
        unit_level,
        unit_code,
        indicator,
        target_pct
    from staging.targets
    where year = $year
),

measured as (
    select
        participants.*,
        denominators.value as denominator,
        targets.target_pct,
        participants.value * 100.0 / denominators.value as coverage_pct,
        ceil(targets.target_pct::decimal(18, 6) * denominators.value / 100)::bigint as persons_at_target
    from participants
    left join denominators
        on
            participants.boundary = denominators.boundary
            and participants.level = denominators.level
            and participants.unit_code = denominators.unit_code
            and participants.denominator_kind = denominators.kind
    left join targets
        on
            participants.vintage = targets.vintage
            and participants.level = targets.unit_level
            and participants.unit_code = targets.unit_code
            and participants.indicator = targets.indicator
)

select
    $period as period,
    $year as year,
    measured.boundary,
    measured.vintage,
    measured.level,
    measured.unit_code,
    units.name as unit_name,
    units.province_code,
    provinces.name as province_name,
    measured.indicator,
    measured.value as participants,
    measured.denominator,
    measured.denominator_kind,
    measured.coverage_pct,
    measured.target_pct,
    measured.target_pct - measured.coverage_pct as gap_pp,
    -- greatest() skips NULLs in DuckDB: without a target or denominator, nobody is "needed".
    case
        when measured.persons_at_target is not null
            then greatest(0, measured.persons_at_target - measured.value)
    end as persons_to_target,
    measured.value >= measured.persons_at_target as target_met,
    measured.source,
    measured.approximate,
    measured.coverage_pct > 100 as coverage_above_100
from measured
inner join ref.admin_units as units
    on measured.vintage = units.vintage and measured.unit_code = units.code
left join ref.admin_units as provinces
    on
        units.vintage = provinces.vintage
        and units.province_code = provinces.code
        and provinces.level = 'province';
