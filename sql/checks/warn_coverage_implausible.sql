-- Catches (warning): units whose coverage is implausibly high, above 110 %. Coverage above 100 % is
-- real and common enough not to warn about (insured counts and resident population come from different
-- sources; NSO published up to 106.5 % for a province's BHYT in 2019-2024): such rows are shown
-- unclipped and carry coverage_above_100 = true (docs/marts.md, query 7). Above 110 % is beyond anything
-- published: a unit or scheme mix-up, or a denominator in the wrong unit. Units with fewer than 500
-- people in the denominator are left out: there, a few people over is chance.
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
where coverage_pct > 110 and denominator >= 500
order by period desc, coverage_pct desc
