-- marts.coverage for one period: participants per indicator at every level and on both boundaries,
-- against the year's denominator and the unit's target: the one it was assigned on its vintage, or on
-- the current boundary the targets of the older units it is made of. Replaces the period.
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

boundaries as (
    select * from period_boundaries
),

-- The nation is the same unit in every vintage: each boundary takes the nation's target of $year from
-- the latest vintage up to its own that has one.
nation_target_vintage as (
    select
        boundaries.boundary,
        max(targets.vintage) as vintage
    from boundaries
    inner join staging.targets as targets
        on boundaries.vintage >= targets.vintage
    where targets.year = $year and targets.unit_level = 'nation'
    group by boundaries.boundary
),

targets as (
    select
        boundaries.boundary,
        targets.unit_level,
        targets.unit_code,
        targets.indicator,
        targets.target_pct
    from staging.targets as targets
    inner join boundaries
        on targets.vintage = boundaries.vintage
    where targets.year = $year and targets.unit_level != 'nation'
    union all
    select
        nation_target_vintage.boundary,
        targets.unit_level,
        targets.unit_code,
        targets.indicator,
        targets.target_pct
    from staging.targets as targets
    inner join nation_target_vintage
        on targets.vintage = nation_target_vintage.vintage
    where targets.year = $year and targets.unit_level = 'nation'
),

-- Units re-expressed from an older vintage: the persons their constituents were asked to cover
-- (int_period_facts.sql), over the re-expressed denominator, where no target was assigned on the
-- boundary's own vintage.
re_expressed_targets as (
    select
        boundary,
        level,
        unit_code,
        key as indicator,
        value as persons_at_target,
        approximate
    from period_facts
    where measure = 'target_persons'
),

measured as (
    select
        participants.*,
        denominators.value as denominator,
        coalesce(
            targets.target_pct, re_expressed_targets.persons_at_target * 100.0 / denominators.value
        ) as target_pct,
        participants.value * 100.0 / denominators.value as coverage_pct,
        case
            when targets.target_pct is not null
                then ceil(targets.target_pct::decimal(18, 6) * denominators.value / 100)::bigint
            when denominators.value is not null then re_expressed_targets.persons_at_target
        end as persons_at_target,
        participants.approximate or coalesce(re_expressed_targets.approximate, false) as any_approximate
    from participants
    left join denominators
        on
            participants.boundary = denominators.boundary
            and participants.level = denominators.level
            and participants.unit_code = denominators.unit_code
            and participants.denominator_kind = denominators.kind
    left join targets
        on
            participants.boundary = targets.boundary
            and participants.level = targets.unit_level
            and participants.unit_code = targets.unit_code
            and participants.indicator = targets.indicator
    left join re_expressed_targets
        on
            participants.boundary = re_expressed_targets.boundary
            and participants.level = re_expressed_targets.level
            and participants.unit_code = re_expressed_targets.unit_code
            and participants.indicator = re_expressed_targets.indicator
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
    measured.any_approximate as approximate,
    measured.coverage_pct > 100 as coverage_above_100
from measured
inner join ref.admin_units as units
    on measured.vintage = units.vintage and measured.unit_code = units.code
left join ref.admin_units as provinces
    on
        units.vintage = provinces.vintage
        and units.province_code = provinces.code
        and provinces.level = 'province';
