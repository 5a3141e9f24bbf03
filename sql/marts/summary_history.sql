-- The demo summary: per year, the provinces with both a BHYT rate and a target at the last period of
-- the year on each as-reported vintage (2025: June on the old units, December on the new), as
-- reported and on today's units. A hole in the history shows as fewer than all.
with last_periods as (
    select max(period) as period
    from marts.coverage
    where boundary = 'as_reported'
    group by year, vintage
)

select
    coverage.year,
    coverage.period,
    count(*) filter (
        where coverage.boundary = 'as_reported'
        and coverage.coverage_pct is not null
        and coverage.target_pct is not null
    ) as reported,
    count(*) filter (where coverage.boundary = 'as_reported') as reported_provinces,
    count(*) filter (
        where coverage.boundary = 'current'
        and coverage.coverage_pct is not null
        and coverage.target_pct is not null
    ) as on_today_units,
    count(*) filter (where coverage.boundary = 'current') as today_provinces
from marts.coverage
inner join last_periods
    on coverage.period = last_periods.period
where coverage.level = 'province' and coverage.indicator = 'bhyt'
group by coverage.year, coverage.period
order by coverage.year, coverage.period
