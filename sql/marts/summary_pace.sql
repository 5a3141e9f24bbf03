-- The demo summary: at the latest period, how many of today's provinces project to meet their BHYT
-- target by 31 December, and how many units (both boundaries) delivered no BHYT figure.
with latest as (
    select max(period) as period from marts.projection
),

provinces as (
    select projection.projected_target_met
    from marts.projection
    inner join latest
        on projection.period = latest.period
    where projection.boundary = 'current' and projection.level = 'province' and projection.indicator = 'bhyt'
),

delivery as (
    select completeness.delivered
    from marts.completeness
    inner join latest
        on completeness.period = latest.period
    where completeness.indicator = 'bhyt'
)

select
    (select latest.period from latest) as period,
    (select count(*) filter (where provinces.projected_target_met) from provinces) as meeting,
    (select count(*) from provinces) as provinces,
    (select count(*) filter (where delivery.delivered = 'nothing') from delivery) as not_delivered,
    (select count(*) from delivery) as units
