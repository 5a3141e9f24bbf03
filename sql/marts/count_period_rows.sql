-- Rows of one period in each mart, one (mart, n_rows) row per mart.
select
    'coverage' as mart,
    count(*) as n_rows
from marts.coverage
where period = $period
union all
select
    'plan_attainment' as mart,
    count(*) as n_rows
from marts.plan_attainment
where period = $period
union all
select
    'bhyt_groups' as mart,
    count(*) as n_rows
from marts.bhyt_groups
where period = $period
union all
select
    'retention' as mart,
    count(*) as n_rows
from marts.retention
where period = $period
union all
select
    'completeness' as mart,
    count(*) as n_rows
from marts.completeness
where period = $period
union all
select
    'projection' as mart,
    count(*) as n_rows
from marts.projection
where period = $period
union all
select
    'outreach' as mart,
    count(*) as n_rows
from marts.outreach
where period = $period
