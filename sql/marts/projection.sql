-- marts.projection for one period: per unit and indicator with a target or a history, the pace of net
-- new participants per month, the coverage it projects for 31 December, whether that meets the year's
-- target, and the net new participants needed per remaining month to meet it. Read from marts.coverage
-- (this period's rows, built just before, and those of twelve months earlier and of the previous
-- December), so a unit is followed on one vintage: across a boundary reform use boundary current.
-- Replaces the period.
delete from marts.projection
where period = $period;

insert into marts.projection by name
with this_month as (
    select * from marts.coverage
    where period = $period
),

year_ago as (
    select * from marts.coverage
    where period = $year_ago_period
),

year_start as (
    select * from marts.coverage
    where period = $previous_year_end
),

paced as (
    select
        this_month.*,
        month(this_month.period) as month,
        12 - month(this_month.period) as months_remaining,
        (this_month.participants - year_ago.participants) / 12.0 as pace_12_months,
        (this_month.participants - year_start.participants)
        / month(this_month.period)::double as pace_since_january
    from this_month
    left join year_ago
        on
            this_month.boundary = year_ago.boundary
            and this_month.vintage = year_ago.vintage
            and this_month.level = year_ago.level
            and this_month.unit_code = year_ago.unit_code
            and this_month.indicator = year_ago.indicator
    left join year_start
        on
            this_month.boundary = year_start.boundary
            and this_month.vintage = year_start.vintage
            and this_month.level = year_start.level
            and this_month.unit_code = year_start.unit_code
            and this_month.indicator = year_start.indicator
),

projected as (
    select
        *,
        -- The last 12 months hold every season once; the months since January are the fallback.
        case
            when pace_12_months is not null then 'last_12_months'
            when pace_since_january is not null then 'since_january'
        end as pace_basis,
        coalesce(pace_12_months, pace_since_january) as pace_per_month
    from paced
),

projected_to_year_end as (
    select
        *,
        participants + pace_per_month * months_remaining as projected_exact
    from projected
)

select
    period,
    year,
    month,
    boundary,
    vintage,
    level,
    unit_code,
    unit_name,
    province_code,
    province_name,
    indicator,
    participants,
    denominator,
    coverage_pct,
    target_pct,
    persons_to_target,
    pace_basis,
    pace_per_month,
    pace_12_months,
    pace_since_january,
    months_remaining,
    round(projected_exact)::bigint as projected_participants,
    projected_exact * 100.0 / denominator as projected_coverage_pct,
    projected_exact * 100.0 / denominator >= target_pct as projected_target_met,
    case
        when months_remaining > 0 then ceil(persons_to_target / months_remaining)::bigint
    end as needed_per_month,
    approximate
from projected_to_year_end
where pace_basis is not null or target_pct is not null;
