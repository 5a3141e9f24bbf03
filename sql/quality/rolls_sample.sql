-- A bounded, reproducible sample of roll rows ($sample_rows at most) from the months a run covers
-- ($first_period to $last_period; the latest month in staging when not given). Rows are drawn in the
-- order of a hash of the person key: the same rows each time, no person or file favoured, and a top-N
-- that DuckDB streams over a national roll. The hash reads the key's two stored halves, not the 128-bit
-- person_key the view builds for every row (0.43 s instead of 0.82 s for a month at scale 0.1). The person
-- key itself never leaves this query, and neither does the source row: only codes, years, dates and
-- flags.
-- The months are constants when given, so only their partitions are read; the latest month is looked
-- up only when they are not (a check run on its own).
with in_scope as (
    select * from staging.rolls
    where period between $first_period::date and $last_period::date
    union all
    select * from staging.rolls
    where $last_period::date is null and period = (select max(latest.period) from staging.rolls as latest)
),

sampled as (
    select
        period,
        scheme,
        commune_code,
        sex,
        birth_year,
        bhyt_object_code,
        valid_from,
        valid_to,
        is_active,
        in_both_bhxh
    from in_scope
    order by hash(person_key_hi, person_key_lo, scheme, period)
    limit $sample_rows
)

select
    period,
    scheme,
    commune_code,
    sex,
    case sex when 'F' then 1.0 when 'M' then 0.0 end as female,
    birth_year,
    year(period) - birth_year as age,
    bhyt_object_code,
    valid_from,
    valid_to,
    is_active,
    coalesce(valid_from <= period, true) and coalesce(valid_to >= period, true) as active_on_period,
    in_both_bhxh
from sampled
