-- Rows of one period in each mart, in the order of settings.MARTS: coverage, plan_attainment,
-- bhyt_groups, retention, completeness, projection.
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
),

completeness as (
    select count(*) as n_rows from marts.completeness
    where period = $period
),

projection as (
    select count(*) as n_rows from marts.projection
    where period = $period
)

select
    coverage.n_rows as coverage,
    plan_attainment.n_rows as plan_attainment,
    bhyt_groups.n_rows as bhyt_groups,
    retention.n_rows as retention,
    completeness.n_rows as completeness,
    projection.n_rows as projection
from coverage, plan_attainment, bhyt_groups, retention, completeness, projection
