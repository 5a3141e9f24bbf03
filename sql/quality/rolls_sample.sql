-- A bounded, reproducible sample of roll rows ($sample_rows at most) from the months a run covers
-- ($first_period to $last_period; the latest month in staging when not given). Rows are drawn in the
-- order of a hash of the person key: the same rows each time, no person or file favoured, and a top-N
-- that DuckDB streams over a national roll. The person key itself never leaves this query, and neither
-- does the source row: only codes, years, dates and flags.
with bounds as (
    select
        coalesce($first_period::date, max(period)) as first_period,
        coalesce($last_period::date, max(period)) as last_period
    from staging.rolls
),

sampled as (
    select
        period,
        person_key,
        scheme,
        commune_code,
        sex,
        birth_year,
        bhyt_object_code,
        valid_from,
        valid_to,
        is_active,
        in_both_bhxh
    from staging.rolls
    where
        period between (select bounds.first_period from bounds) and (select bounds.last_period from bounds)
    order by hash(person_key, scheme, period)
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
