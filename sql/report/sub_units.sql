-- The sub-units of the report's unit at the period, one row each, with their BHYT and BHXH figures and
-- coordinates: provinces of the nation, communes of a province (or of a pre-reform district).
with children as (
    select
        units.vintage,
        units.code,
        units.name,
        units.latitude,
        units.longitude
    from ref.admin_units as units
    where
        units.vintage = $vintage
        and units.level = $child_level
        and (
            $level = 'nation'
            or ($level = 'province' and units.province_code = $unit)
            or ($level = 'district' and units.parent_code = $unit)
        )
),

figures as (
    select
        coverage.unit_code,
        max(coverage.coverage_pct) filter (where coverage.indicator = 'bhyt') as bhyt_coverage_pct,
        max(coverage.target_pct) filter (where coverage.indicator = 'bhyt') as bhyt_target_pct,
        max(coverage.gap_pp) filter (where coverage.indicator = 'bhyt') as bhyt_gap_pp,
        max(coverage.persons_to_target) filter (where coverage.indicator = 'bhyt') as bhyt_persons_to_target,
        max(coverage.participants) filter (where coverage.indicator = 'bhyt') as bhyt_participants,
        max(coverage.coverage_pct) filter (where coverage.indicator = 'bhxh') as bhxh_coverage_pct,
        max(coverage.target_pct) filter (where coverage.indicator = 'bhxh') as bhxh_target_pct,
        max(coverage.gap_pp) filter (where coverage.indicator = 'bhxh') as bhxh_gap_pp,
        max(coverage.persons_to_target) filter (where coverage.indicator = 'bhxh') as bhxh_persons_to_target,
        max(coverage.participants) filter (where coverage.indicator = 'bhxh') as bhxh_participants,
        bool_or(coverage.approximate) as approximate
    from marts.coverage as coverage
    where
        coverage.period = $period
        and coverage.boundary = $boundary
        and coverage.level = $child_level
        and coverage.indicator in ('bhyt', 'bhxh')
    group by coverage.unit_code
)

select
    children.code,
    children.name,
    children.latitude,
    children.longitude,
    figures.bhyt_coverage_pct,
    figures.bhyt_target_pct,
    figures.bhyt_gap_pp,
    figures.bhyt_persons_to_target,
    figures.bhyt_participants,
    figures.bhxh_coverage_pct,
    figures.bhxh_target_pct,
    figures.bhxh_gap_pp,
    figures.bhxh_persons_to_target,
    figures.bhxh_participants,
    figures.approximate,
    figures.unit_code is not null as delivered
from children
left join figures on children.code = figures.unit_code
order by figures.bhyt_gap_pp desc nulls last, figures.bhxh_gap_pp desc nulls last, children.code asc;
