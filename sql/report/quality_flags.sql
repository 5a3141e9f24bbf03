-- Figures to read with care among the unit and its sub-units at the period: approximate (through a
-- split commune), above 100 %, or without a denominator (no rate).
select
    level,
    unit_code,
    unit_name,
    indicator,
    coverage_pct,
    approximate,
    coverage_above_100,
    denominator is null as no_denominator
from marts.coverage
where
    period = $period
    and boundary = $boundary
    and (
        (level = $level and unit_code = $unit)
        or (level = $child_level and ($level = 'nation' or province_code = $unit))
    )
    and (approximate or coverage_above_100 or denominator is null)
order by indicator, level, unit_code;
