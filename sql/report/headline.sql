-- Headline of a report: each indicator of the unit at the period against its target, with the
-- year-end outlook of marts.projection.
select
    coverage.indicator,
    coverage.participants,
    coverage.denominator,
    coverage.denominator_kind,
    coverage.coverage_pct,
    coverage.target_pct,
    coverage.gap_pp,
    coverage.persons_to_target,
    coverage.target_met,
    coverage.coverage_above_100,
    coverage.approximate,
    coverage.source,
    projection.pace_basis,
    projection.pace_per_month,
    projection.months_remaining,
    projection.projected_participants,
    projection.projected_coverage_pct,
    projection.projected_target_met,
    projection.needed_per_month
from marts.coverage as coverage
left join marts.projection as projection
    on
        coverage.period = projection.period
        and coverage.boundary = projection.boundary
        and coverage.level = projection.level
        and coverage.unit_code = projection.unit_code
        and coverage.indicator = projection.indicator
where
    coverage.period = $period
    and coverage.boundary = $boundary
    and coverage.level = $level
    and coverage.unit_code = $unit
order by
    array_position(['bhyt', 'bhxh', 'bhxh_bb', 'bhxh_tn', 'bhtn'], coverage.indicator);
