-- Every resident of one period's register with what they miss: the definitions shared by the
-- outreach mart (counts) and the outreach command (named lists, one commune: $commune_code, NULL for
-- all). Empty when the month has no register or no roll. Leaves the temp table outreach_people (with
-- the register row each person came from, by which the outreach command finds their name again).
--   working age: 15 up to the statutory retirement age of their sex in the period's year (Labour Code
--     2019: men 60 rising 3 months a year from 2021 to 62, women 55 rising 4 months a year to 60;
--     with only the birth year known, rounded up);
--   not_covered_bhyt: no active BHYT row in the month's roll;
--   not_covered_bhxh: of working age, and no active BHXH_BB or BHXH_TN row;
--   lapsed: not covered by BHYT now, and covered at one of the three previous month ends, or with a
--     card of this month's roll that ended within the last three months (last_card_end: the latest
--     end date of their BHYT cards over those months);
--   due_to_renew: an active BHYT card whose valid_to falls in the next month;
--   household_covered: someone of the same household has active BHYT (NULL without household IDs).
create or replace temp table outreach_people as
with register as (
    select
        person_key,
        household_key,
        vintage,
        commune_code,
        village,
        sex,
        birth_year,
        year($period) - birth_year as age,
        source_file,
        source_row
    from staging.residents
    where
        period = $period
        and ($commune_code is null or commune_code = $commune_code)
        and exists (
            select 1 from staging.rolls as month_roll
            where month_roll.period = $period
        )
),

now as (
    select
        person_key,
        bool_or(scheme = 'BHYT' and is_active) as has_bhyt,
        bool_or(scheme in ('BHXH_BB', 'BHXH_TN') and is_active) as has_bhxh,
        bool_or(
            scheme = 'BHYT' and is_active and valid_to > $period and valid_to <= $next_period
        ) as bhyt_due
    from staging.rolls
    where period = $period and person_key in (select register.person_key from register)
    group by person_key
),

bhyt_recent as (
    select
        person_key,
        bool_or(
            (period < $period and is_active) or (period = $period and valid_to > $three_months_ago)
        ) as recently_covered,
        max(valid_to) as last_card_end
    from staging.rolls
    where
        period in ($period, $previous_period, $two_months_ago, $three_months_ago)
        and scheme = 'BHYT'
        and person_key in (select register.person_key from register)
    group by person_key
),

flagged as (
    select
        register.*,
        register.age >= 15
        and register.age <= case
            when register.sex = 'M'
                then least(62, 60 + ceil(greatest(0, year($period) - 2020) * 3 / 12))
            else least(60, 55 + ceil(greatest(0, year($period) - 2020) * 4 / 12))
        end as is_working_age,
        coalesce(now.has_bhyt, false) as has_bhyt,
        coalesce(now.has_bhxh, false) as has_bhxh,
        coalesce(now.bhyt_due, false) as due_to_renew,
        coalesce(bhyt_recent.recently_covered, false) as recently_covered,
        bhyt_recent.last_card_end
    from register
    left join now on register.person_key = now.person_key
    left join bhyt_recent on register.person_key = bhyt_recent.person_key
)

select
    person_key,
    household_key,
    vintage,
    commune_code,
    village,
    sex,
    birth_year,
    is_working_age,
    not has_bhyt as not_covered_bhyt,
    is_working_age and not has_bhxh as not_covered_bhxh,
    not has_bhyt and recently_covered as lapsed,
    due_to_renew,
    case when not has_bhyt then last_card_end end as last_card_end,
    case
        when household_key is not null
            then bool_or(has_bhyt) over (partition by commune_code, household_key)
    end as household_covered,
    source_file,
    source_row
from flagged;
