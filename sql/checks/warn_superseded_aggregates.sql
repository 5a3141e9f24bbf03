-- Catches (warning): an aggregate count superseded by a roll for the same unit and month that
-- differs from the roll's count by more than 5%.
select
    aggregates.as_of as period,
    aggregates.unit_level,
    aggregates.unit_code,
    aggregates.scheme,
    aggregates.participants as aggregate_participants,
    coverage.participants as roll_participants,
    round(100.0 * (coverage.participants - aggregates.participants) / nullif(aggregates.participants, 0), 1)
        as difference_pct
from staging.aggregates as aggregates
inner join marts.coverage as coverage
    on
        aggregates.as_of = coverage.period
        and aggregates.vintage = coverage.vintage
        and aggregates.unit_level = coverage.level
        and aggregates.unit_code = coverage.unit_code
        and lower(aggregates.scheme) = coverage.indicator
        and coverage.boundary = 'as_reported'
        and coverage.source = 'roll'
where abs(coverage.participants - aggregates.participants) > 0.05 * aggregates.participants
order by period, aggregates.unit_code
