-- Every period of one unit on one boundary, each indicator with its target: the report's trend chart.
-- The vintage keeps codes apart that were reused (as reported, 24 is Bắc Giang before the reform).
select
    period,
    indicator,
    participants,
    coverage_pct,
    target_pct
from marts.coverage
where
    boundary = $boundary
    and level = $level
    and unit_code = $unit
    and vintage = $vintage
    and period <= $period
order by indicator, period;
