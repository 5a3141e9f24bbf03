-- Every count the marts need for one period ($period, a month end), as long-format facts
-- (boundary, vintage, level, unit_code, measure, key, value), on both boundaries (period_boundaries,
-- int_period_boundaries.sql): as_reported, the vintage in force on $period; current, the latest.
-- Base facts come from the roll of the period (participants per indicator, BHYT object codes,
-- new participants since the previous December, retention against the previous month), from
-- aggregates dated $period (units the roll does not cover), and from the denominators of $year; on
-- a boundary whose vintage is later than the year's figures, also the persons each older unit was
-- asked to cover by its target of $year (measure target_persons).
-- Facts of an older vintage are re-expressed through ref.admin_crosswalk: each source's count is
-- apportioned over its links by largest remainder, so totals are preserved exactly and national
-- totals are identical on both boundaries. Higher levels are added by int_roll_up_level.sql.
-- Persons are matched on the two stored 64-bit halves of person_key (staging.rolls shows both), which
-- hash several times faster than the 128-bit value the view builds for every row.
create or replace temp table period_facts as
with boundaries as (
    select * from period_boundaries
),

-- The month's rows are read from its Parquet file by each use below (only the columns and rows that
-- use needs) rather than copied into memory once: DuckDB materialises a CTE used several times, which
-- cost more than the reads (scale 0.1: 0.80 s -> 0.42 s without a month before; about even with one).
rolls_now as not materialized (
    select * from staging.rolls
    where period = $period
),

rolls_before as (
    select * from staging.rolls
    where period = $previous_period
),

rolls_year_start as (
    select * from staging.rolls
    where period = $previous_year_end
),

-- One pass over the month's rows gives every count of a commune that is not about persons: rows per
-- commune, scheme, BHYT object code, activity and BHXH flag (at most a few hundred thousand groups).
-- Grouping the month once replaces four passes that joined or grouped all its rows (covered
-- provinces, schemes, object codes, BHXH persons).
month_groups as (
    select
        vintage,
        commune_code,
        scheme,
        bhyt_object_code,
        is_active,
        in_both_bhxh,
        count(*) as value
    from rolls_now
    group by all
),

covered_provinces as (
    select distinct
        units.vintage,
        units.province_code
    from (
        select distinct
            vintage,
            commune_code
        from month_groups
    ) as communes
    inner join ref.admin_units as units
        on communes.vintage = units.vintage and communes.commune_code = units.code
),

-- Where the roll covers a province, every commune (and commune-less district) there has a count,
-- zero when nobody is on the roll.
leaf_units as (
    select
        units.vintage,
        units.level,
        units.code
    from ref.admin_units as units
    inner join covered_provinces
        on units.vintage = covered_provinces.vintage and units.province_code = covered_provinces.province_code
    where
        units.level = 'commune'
        or (
            units.level = 'district'
            and not exists (
                select 1 from ref.admin_units as children
                where children.vintage = units.vintage and children.parent_code = units.code
            )
        )
),

indicators as (
    select unnest(['bhxh', 'bhxh_bb', 'bhxh_tn', 'bhtn', 'bhyt']) as indicator
),

scheme_counts as (
    select
        commune_code as code,
        lower(scheme) as indicator,
        sum(value)::bigint as value
    from month_groups
    where is_active
    group by commune_code, scheme
),

-- BHXH counts each person once. A month holds one row per person and scheme, so a person is in one
-- BHXH scheme unless ingestion flagged them in both (in_both_bhxh, a handful of persons): those count
-- once, at the commune of their BB row, or of their TN row when only that one is active.
bhxh_in_one_scheme as (
    select
        commune_code as code,
        sum(value)::bigint as value
    from month_groups
    where is_active and scheme in ('BHXH_BB', 'BHXH_TN') and in_both_bhxh is not true
    group by commune_code
),

bhxh_in_both_schemes as (
    select arg_min(commune_code, scheme) as code
    from rolls_now
    where is_active and in_both_bhxh
    group by person_key_hi, person_key_lo
),

bhxh_counts as (
    select
        code,
        'bhxh' as indicator,
        sum(value)::bigint as value
    from (
        select * from bhxh_in_one_scheme
        union all
        select
            code,
            1 as value
        from bhxh_in_both_schemes
    ) as per_commune
    group by code
),

all_counts as (
    select * from scheme_counts
    union all
    select * from bhxh_counts
),

roll_participants as (
    select
        leaf_units.vintage,
        leaf_units.level,
        leaf_units.code,
        'participants' as measure,
        indicators.indicator as key,
        coalesce(counts.value, 0) as value,
        'roll' as source
    from leaf_units
    cross join indicators
    left join all_counts as counts
        on leaf_units.code = counts.code and indicators.indicator = counts.indicator
),

object_codes as (
    select
        vintage,
        'commune' as level,
        commune_code as code,
        'bhyt_object' as measure,
        bhyt_object_code as key,
        sum(value)::bigint as value,
        'roll' as source
    from month_groups
    where is_active and scheme = 'BHYT'
    group by vintage, commune_code, bhyt_object_code
),

-- No distinct: the anti join below is the same whether a person appears once or twice here.
year_start_active as (
    select
        person_key_hi,
        person_key_lo,
        scheme
    from rolls_year_start
    where is_active
),

new_this_year as (
    select
        rolls_now.vintage,
        rolls_now.commune_code,
        rolls_now.scheme,
        rolls_now.bhyt_object_code
    from rolls_now
    anti join year_start_active
        on
            rolls_now.person_key_hi = year_start_active.person_key_hi
            and rolls_now.person_key_lo = year_start_active.person_key_lo
            and rolls_now.scheme = year_start_active.scheme
    where rolls_now.is_active and exists (select 1 from rolls_year_start)
),

new_participants as (
    select
        vintage,
        'commune' as level,
        commune_code as code,
        'new_ytd' as measure,
        scheme as key,
        count(*) as value,
        'roll' as source
    from new_this_year
    group by vintage, commune_code, scheme
    union all
    select
        vintage,
        'commune' as level,
        commune_code as code,
        'new_ytd' as measure,
        'BHYT/' || bhyt_object_code as key,
        count(*) as value,
        'roll' as source
    from new_this_year
    where scheme = 'BHYT'
    group by vintage, commune_code, bhyt_object_code
),

-- Read per use too (retention and due_next_month): materialised, a national month's active rows
-- were copied into memory first (scale 0.1: 0.53-0.66 s -> 0.27-0.28 s alone; 2.9-3.6 -> 2.8-2.9 s
-- with the month before and December held).
active_now as not materialized (
    select
        person_key_hi,
        person_key_lo,
        scheme,
        commune_code,
        vintage,
        valid_to
    from rolls_now
    where is_active
),

active_before as (
    select
        person_key_hi,
        person_key_lo,
        scheme,
        commune_code,
        vintage
    from rolls_before
    where is_active
),

-- Retention needs both snapshots; "stopped" people are counted where they were last month. One full
-- join gives every measure in one pass: its matched and left-only rows are the left join of this month
-- on the last (continuing, new), its right-only rows the anti join of the last on this one (stopped),
-- for the price of one hash table over the persons instead of two. With either month missing there is
-- no retention to tell (and the join is not run).
retention_pairs as (
    select
        active_now.person_key_hi is not null as in_this_month,
        active_before.person_key_hi is not null as in_last_month,
        coalesce(active_now.vintage, active_before.vintage) as vintage,
        coalesce(active_now.commune_code, active_before.commune_code) as code,
        coalesce(active_now.scheme, active_before.scheme) as scheme
    from active_now
    full join active_before
        on
            active_now.person_key_hi = active_before.person_key_hi
            and active_now.person_key_lo = active_before.person_key_lo
            and active_now.scheme = active_before.scheme
    where exists (select 1 from rolls_before) and exists (select 1 from rolls_now)
),

retention as (
    select
        vintage,
        'commune' as level,
        code,
        case
            when not in_this_month then 'stopped'
            when in_last_month then 'continuing'
            else 'new'
        end as measure,
        scheme as key,
        count(*) as value,
        'roll' as source
    from retention_pairs
    group by all
    union all
    select
        vintage,
        'commune' as level,
        commune_code as code,
        'due_next_month' as measure,
        scheme as key,
        count(*) as value,
        'roll' as source
    from active_now
    where valid_to > $period and valid_to <= $next_period and exists (select 1 from rolls_before)
    group by all
),

aggregates_now as (
    select
        vintage,
        unit_level as level,
        unit_code as code,
        lower(scheme) as indicator,
        participants as value
    from staging.aggregates
    where as_of = $period
),

-- Where only BB and TN are reported, their sum is the BHXH total (the two are exclusive by law).
aggregates_with_bhxh as (
    select * from aggregates_now
    union all
    select
        vintage,
        level,
        code,
        'bhxh' as indicator,
        sum(value) as value
    from aggregates_now
    where indicator in ('bhxh_bb', 'bhxh_tn')
    group by vintage, level, code
    having
        count(*) = 2
        and not exists (
            select 1 from aggregates_now as totals
            where
                totals.indicator = 'bhxh'
                and totals.vintage = aggregates_now.vintage
                and totals.code = aggregates_now.code
        )
),

-- The roll wins: aggregates of units it covers (and of their ancestors) are superseded.
aggregate_participants as (
    select
        aggregates.vintage,
        aggregates.level,
        aggregates.code,
        'participants' as measure,
        aggregates.indicator as key,
        aggregates.value,
        'aggregate' as source
    from aggregates_with_bhxh as aggregates
    left join ref.admin_units as units
        on aggregates.vintage = units.vintage and aggregates.code = units.code
    where
        (aggregates.level = 'nation' and not exists (select 1 from covered_provinces))
        or (
            aggregates.level != 'nation'
            and units.province_code not in (select covered.province_code from covered_provinces as covered)
        )
),

base_facts as (
    select * from roll_participants
    union all
    select * from object_codes
    union all
    select * from new_participants
    union all
    select * from retention
    union all
    select * from aggregate_participants
),

denominators_of_year as (
    select * from staging.denominators
    where year = $year
),

-- Each boundary takes the year's figures from its own vintage, else from the latest earlier vintage
-- that has them (re-expressed below); figures of a later vintage cannot be mapped back.
figure_vintages as (
    select distinct vintage from denominators_of_year
),

denominator_vintage as (
    select
        boundaries.boundary,
        max(figure_vintages.vintage) as vintage
    from boundaries
    inner join figure_vintages
        on boundaries.vintage >= figure_vintages.vintage
    group by boundaries.boundary
),

denominator_facts as (
    select
        boundaries.boundary,
        boundaries.vintage as target_vintage,
        denominators_of_year.vintage,
        denominators_of_year.unit_level as level,
        denominators_of_year.unit_code as code,
        'denominator' as measure,
        denominators_of_year.kind as key,
        denominators_of_year.value,
        'denominator' as source
    from denominators_of_year
    inner join denominator_vintage
        on denominators_of_year.vintage = denominator_vintage.vintage
    inner join boundaries
        on denominator_vintage.boundary = boundaries.boundary
),

-- What each older unit was asked to reach, in persons: its persons_at_target (marts.coverage), from
-- its target and its own denominator on the same vintage. Re-expressed below with the same weights as
-- the participants, these give today's units a target made of their constituents' targets. Only where
-- figures are re-expressed: a unit on the boundary's own vintage keeps its assigned target_pct, and
-- the nation, the same unit in every vintage, keeps its own (coverage.sql).
target_persons as (
    select
        denominator_facts.boundary,
        denominator_facts.target_vintage,
        denominator_facts.vintage,
        denominator_facts.level,
        denominator_facts.code,
        'target_persons' as measure,
        targets.indicator as key,
        ceil(targets.target_pct::decimal(18, 6) * denominator_facts.value / 100)::bigint as value,
        'target' as source
    from denominator_facts
    inner join staging.targets as targets
        on
            denominator_facts.vintage = targets.vintage
            and denominator_facts.level = targets.unit_level
            and denominator_facts.code = targets.unit_code
            and denominator_facts.key
            = case when targets.indicator = 'bhyt' then 'population' else 'labour_force' end
    where
        targets.year = $year
        and denominator_facts.vintage < denominator_facts.target_vintage
        and denominator_facts.level in ('province', 'commune')
),

facts_per_boundary as (
    select
        boundaries.boundary,
        boundaries.vintage as target_vintage,
        base_facts.*
    from base_facts
    inner join boundaries
        on base_facts.vintage <= boundaries.vintage
    union all
    select * from denominator_facts
    union all
    select * from target_persons
),

-- Facts already on the boundary's vintage stay where they are (see shares); older ones follow the
-- crosswalk (an equi-join: an inequality in the join condition would make it a nested loop). A
-- district's figure is only part of its new province and cannot stand for it, so district facts stay
-- on the as_reported boundary (provinces re-sum from their communes). n_links: how many units the
-- source unit is split over (one for most: 9,564 of the 10,035 old communes go whole into one new
-- commune).
links_per_source as (
    select
        from_vintage,
        to_vintage,
        from_level,
        from_code,
        count(*) as n_links
    from ref.admin_crosswalk
    group by from_vintage, to_vintage, from_level, from_code
),

mapped as (
    select
        facts.boundary,
        facts.target_vintage,
        facts.vintage as from_vintage,
        facts.level as from_level,
        facts.code as from_code,
        facts.measure,
        facts.key,
        facts.value,
        facts.source,
        links.to_code,
        facts.level as to_level,
        links.weight,
        links.is_partial as approximate,
        sources.n_links
    from facts_per_boundary as facts
    inner join ref.admin_crosswalk as links
        on
            facts.vintage = links.from_vintage
            and facts.target_vintage = links.to_vintage
            and facts.level = links.from_level
            and facts.code = links.from_code
    inner join links_per_source as sources
        on
            links.from_vintage = sources.from_vintage
            and links.to_vintage = sources.to_vintage
            and links.from_level = sources.from_level
            and links.from_code = sources.from_code
    where facts.vintage < facts.target_vintage and facts.level != 'district'
),

-- Largest remainder: floors first, then the units left over go to the largest fractional parts. A
-- fact of a unit with one link is its whole window: its floor, its remainder and rank 1, computed
-- directly; only the facts of split units (a tenth of the old communes' rows) pay for the sorted
-- window, which was the costliest operator of the period (1.1 s of 3.0 s at scale 0.01).
apportioned as (
    select
        *,
        floor(value * weight) as floor_share,
        value - floor(value * weight) as left_over,
        1 as remainder_rank
    from mapped
    where n_links = 1
    union all
    select
        *,
        floor(value * weight) as floor_share,
        value - sum(floor(value * weight)) over source_unit as left_over,
        row_number() over (
            source_unit order by value * weight - floor(value * weight) desc, to_code
        ) as remainder_rank
    from mapped
    where n_links > 1
    window source_unit as (partition by boundary, from_vintage, from_level, from_code, measure, key, source)
),

-- A fact already on its boundary's vintage is its own share (re_expressed below sums, and marks
-- mixed sources, exactly as this grouping would), so only the facts that follow the crosswalk pay
-- for the grouping: the costliest operator of the period when all facts went through it.
shares as (
    select
        boundary,
        target_vintage,
        vintage as from_vintage,
        level as from_level,
        level as to_level,
        code as to_code,
        measure,
        key,
        value,
        source,
        false as approximate,
        1 as n_sources
    from facts_per_boundary
    where vintage = target_vintage
    union all
    select
        boundary,
        target_vintage,
        from_vintage,
        from_level,
        to_level,
        to_code,
        measure,
        key,
        sum(floor_share + case when remainder_rank <= left_over then 1 else 0 end)::bigint as value,
        case when min(source) = max(source) then min(source) else 'mixed' end as source,
        bool_or(approximate) as approximate,
        count(distinct from_code) filter (where weight > 0) as n_sources
    from apportioned
    group by boundary, target_vintage, from_vintage, from_level, to_level, to_code, measure, key
),

-- How many units of an older vintage feed each unit of a later one (links carrying people only).
incoming_links as (
    select
        from_vintage,
        to_vintage,
        from_level,
        to_code,
        count(distinct from_code) as n_sources
    from ref.admin_crosswalk
    where weight > 0
    group by from_vintage, to_vintage, from_level, to_code
),

-- A merged unit's participants, denominator or target is known only when every unit merged into it
-- has a figure: never a partial sum (e.g. an old province whose aggregate was quarantined).
re_expressed as (
    select
        shares.boundary,
        shares.target_vintage as vintage,
        shares.to_level as level,
        shares.to_code as unit_code,
        shares.measure,
        shares.key,
        sum(shares.value)::bigint as value,
        case
            when min(shares.source) = max(shares.source) then min(shares.source) else 'mixed'
        end as source,
        bool_or(shares.approximate) as approximate
    from shares
    left join incoming_links
        on
            shares.from_vintage = incoming_links.from_vintage
            and shares.target_vintage = incoming_links.to_vintage
            and shares.from_level = incoming_links.from_level
            and shares.to_code = incoming_links.to_code
    where
        shares.measure not in ('participants', 'denominator', 'target_persons')
        or shares.from_vintage = shares.target_vintage
        or shares.n_sources >= coalesce(incoming_links.n_sources, 0)
    group by
        shares.boundary, shares.target_vintage, shares.to_level, shares.to_code, shares.measure, shares.key
),

-- Communes that no link reaches (the island special zones, whose pre-reform districts had no
-- communes) count zero people where the roll covers their province, like any commune nobody is in.
covered_target_provinces as (
    select distinct
        re_expressed.boundary,
        re_expressed.vintage,
        units.province_code
    from re_expressed
    inner join ref.admin_units as units
        on re_expressed.vintage = units.vintage and re_expressed.unit_code = units.code
    where
        re_expressed.measure = 'participants'
        and re_expressed.source = 'roll'
        and re_expressed.level = 'commune'
),

unreached_communes as (
    select
        covered.boundary,
        units.vintage,
        'commune' as level,
        units.code as unit_code,
        'participants' as measure,
        indicators.indicator as key,
        0::bigint as value,
        'roll' as source,
        false as approximate
    from covered_target_provinces as covered
    inner join ref.admin_units as units
        on
            covered.vintage = units.vintage
            and covered.province_code = units.province_code
            and units.level = 'commune'
    cross join indicators
    anti join re_expressed
        on
            covered.boundary = re_expressed.boundary
            and units.code = re_expressed.unit_code
            and re_expressed.level = 'commune'
            and re_expressed.measure = 'participants'
            and indicators.indicator = re_expressed.key
)

select * from re_expressed
union all
select * from unreached_communes;
