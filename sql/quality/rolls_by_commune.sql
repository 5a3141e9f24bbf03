-- Roll rows per snapshot month, commune and scheme, for the months a run covers ($first_period to
-- $last_period, month ends; the latest month in staging when not given). At most ~3,300 communes x 4
-- schemes per month whatever the size of the roll, so Great Expectations validates a small frame while
-- DuckDB does the scan. No person-level value leaves this query.
-- The months are constants when given, so only their partitions are read; the latest month is looked
-- up only when they are not (a check run on its own).
with in_scope as (
    select * from staging.rolls
    where period between $first_period::date and $last_period::date
    union all
    select * from staging.rolls
    where $last_period::date is null and period = (select max(latest.period) from staging.rolls as latest)
),

rolls as (
    select
        period,
        vintage,
        commune_code,
        scheme,
        is_active,
        in_both_bhxh,
        code_remapped
    from in_scope
),

by_commune as (
    select
        period,
        vintage,
        commune_code,
        scheme,
        count(*) as roll_rows,
        count(*) filter (where is_active) as participants,
        count(*) filter (where in_both_bhxh) as in_both_bhxh,
        count(*) filter (where code_remapped) as code_remapped
    from rolls
    group by period, vintage, commune_code, scheme
),

vintages as (
    select distinct vintage from ref.admin_units
),

-- The boundary vintage in force on each snapshot date, from the reference as it is now.
periods as (
    select
        months.period,
        max(vintages.vintage) as vintage_in_force
    from (select distinct period from by_commune) as months
    left join vintages
        on months.period >= vintages.vintage
    group by months.period
),

communes as (
    select
        vintage,
        code
    from ref.admin_units
    where level = 'commune'
),

population as (
    select
        year,
        vintage,
        unit_code,
        max(value) as population
    from staging.denominators
    where kind = 'population' and unit_level = 'commune'
    group by year, vintage, unit_code
)

select
    by_commune.period,
    last_day(by_commune.period) as month_end,
    by_commune.vintage,
    periods.vintage_in_force,
    by_commune.commune_code,
    by_commune.scheme,
    by_commune.roll_rows,
    by_commune.participants,
    communes.code is not null as commune_in_vintage,
    by_commune.participants / by_commune.roll_rows as active_share,
    by_commune.in_both_bhxh / by_commune.roll_rows as in_both_bhxh_share,
    by_commune.code_remapped / by_commune.roll_rows as code_remapped_share,
    case
        -- Communes under 500 people are left out: small numbers swing by chance.
        when by_commune.scheme = 'BHYT' and population.population >= 500
            then by_commune.participants / population.population
    end as participants_per_population
from by_commune
inner join periods
    on by_commune.period = periods.period
left join communes
    on
        by_commune.vintage = communes.vintage
        and by_commune.commune_code = communes.code
left join population
    on
        year(by_commune.period) = population.year
        and by_commune.vintage = population.vintage
        and by_commune.commune_code = population.unit_code
order by by_commune.period, by_commune.commune_code, by_commune.scheme
