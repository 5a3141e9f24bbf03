-- Catches (warning): units whose coverage is above 100%. Published data has such cases (insured
-- counts and resident population come from different sources): shown unclipped, listed here. Units
-- with fewer than 500 people in the denominator are left out: there, a few people over is chance
-- (and the rows still carry coverage_above_100 = true).
select
    period,
    boundary,
    level,
    unit_code,
    unit_name,
    indicator,
    participants,
    denominator,
    round(coverage_pct, 2) as coverage_pct
from marts.coverage
where coverage_above_100 and denominator >= 500
order by period desc, coverage_pct desc
