-- Rows of one period in each mart, in the order coverage, plan_attainment, bhyt_groups, retention.
with coverage as (
    select count(*) as n_rows from marts.coverage
    where period = $period
),

plan_attainment as (
    select count(*) as n_rows from marts.plan_attainment
    where period = $period
),

bhyt_groups as (
    select count(*) as n_rows from marts.bhyt_groups
    where period = $period
),

retention as (
    select count(*) as n_rows from marts.retention
    where period = $period
)

select
    coverage.n_rows as coverage,
    plan_attainment.n_rows as plan_attainment,
    bhyt_groups.n_rows as bhyt_groups,
    retention.n_rows as retention
from coverage, plan_attainment, bhyt_groups, retention
