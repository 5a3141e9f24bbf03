-- marts.outreach for one period: who a commune still has to reach, village by village, from the
-- resident register (staging.residents) held against the month's roll and the three before it. Counts
-- only: the named lists are made on purpose by `python -m pipeline outreach` (pipeline/outreach.py),
-- from the per-person flags of sql/intermediate/int_outreach_people.sql, as this mart is.
-- A month without a register, or without a roll to hold it against, has no rows (never zeros).
-- Village rows and commune rows are counted separately (the outreach_villages_sum_to_commune check
-- holds them to each other). On the current boundary a pre-reform commune's villages go to its
-- successor commune; a split commune's to the successor with the largest share, marked approximate.
delete from marts.outreach
where period = $period;

insert into marts.outreach by name
with successors as (
    select
        from_vintage,
        from_code,
        to_vintage,
        to_code,
        is_partial,
        row_number() over (
            partition by from_vintage, from_code, to_vintage order by weight desc, to_code asc
        ) as share_rank
    from ref.admin_crosswalk
    where from_level = 'commune'
),

-- Counted on the register's own communes first (one pass over the residents), then placed on each
-- boundary: a commune's villages all go to one commune, so summing after placing is exact.
reported as (
    select
        vintage,
        commune_code,
        village,
        grouping(village) = 1 as is_commune_row,
        count(*) as residents,
        count(*) filter (where is_working_age) as working_age_residents,
        count(*) filter (where not_covered_bhyt) as residents_without_bhyt,
        count(*) filter (where not_covered_bhxh) as working_age_without_bhxh,
        count(*) filter (where lapsed) as bhyt_lapsed_3m,
        count(*) filter (where due_to_renew) as bhyt_due_next_month
    from outreach_people
    group by grouping sets ((vintage, commune_code), (vintage, commune_code, village))
),

located as (
    select
        boundaries.boundary,
        boundaries.vintage,
        coalesce(successor.to_code, reported.commune_code) as unit_code,
        coalesce(successor.is_partial, false) as approximate,
        reported.*
    from reported
    cross join period_boundaries as boundaries
    left join successors as successor
        on
            reported.vintage = successor.from_vintage
            and reported.commune_code = successor.from_code
            and boundaries.vintage = successor.to_vintage
            and successor.share_rank = 1
    where boundaries.vintage = reported.vintage or successor.to_code is not null
),

counted as (
    select
        boundary,
        vintage,
        unit_code,
        village,
        is_commune_row,
        sum(residents)::bigint as residents,
        sum(working_age_residents)::bigint as working_age_residents,
        sum(residents_without_bhyt)::bigint as residents_without_bhyt,
        sum(working_age_without_bhxh)::bigint as working_age_without_bhxh,
        sum(bhyt_lapsed_3m)::bigint as bhyt_lapsed_3m,
        sum(bhyt_due_next_month)::bigint as bhyt_due_next_month,
        bool_or(approximate) as approximate
    from located
    group by boundary, vintage, unit_code, village, is_commune_row
)

select
    $period as period,
    counted.boundary,
    counted.vintage,
    case when counted.is_commune_row then 'commune' else 'village' end as level,
    units.province_code,
    provinces.name as province_name,
    counted.unit_code,
    units.name as unit_name,
    counted.village,
    counted.residents,
    counted.working_age_residents,
    counted.residents_without_bhyt,
    counted.working_age_without_bhxh,
    counted.bhyt_lapsed_3m,
    counted.bhyt_due_next_month,
    counted.approximate
from counted
inner join ref.admin_units as units
    on counted.vintage = units.vintage and units.level = 'commune' and counted.unit_code = units.code
left join ref.admin_units as provinces
    on
        units.vintage = provinces.vintage
        and provinces.level = 'province'
        and units.province_code = provinces.code;
