-- Catches (warning): a period with data where an indicator is missing at national level, e.g. a
-- historical year whose aggregates carry only the BHXH total.
with periods as (
    select distinct period from marts.coverage
),

indicators as (
    select unnest(['bhxh', 'bhxh_bb', 'bhxh_tn', 'bhtn', 'bhyt']) as indicator
)

select
    periods.period,
    indicators.indicator
from periods
cross join indicators
anti join marts.coverage as coverage
    on
        periods.period = coverage.period
        and indicators.indicator = coverage.indicator
        and coverage.boundary = 'as_reported'
        and coverage.level = 'nation'
order by periods.period, indicators.indicator
