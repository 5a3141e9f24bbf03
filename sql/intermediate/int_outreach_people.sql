-- Every resident of one period's register with what they miss: the definitions shared by the
-- outreach mart (counts) and the outreach command (named lists, one commune: $commune_code, NULL for
-- all). Empty when the month has no register or no roll. Leaves the temp view outreach_people (with
-- the register row each person came from, by which the outreach command finds their name again): a
-- view, so the mart reads it once without a copy of the register; a view cannot hold parameters, so
-- they go in as variables.
--   working age: 15 up to the statutory retirement age of their sex in the period's year (Labour Code
--     2019: men 60 rising 3 months a year from 2021 to 62, women 55 rising 4 months a year to 60;
--     with only the birth year known, rounded up);
--   not_covered_bhyt: no active BHYT row in the month's roll;
--   not_covered_bhxh: of working age, and no active BHXH_BB or BHXH_TN row;
--   lapsed: not covered by BHYT now, and covered at one of the three previous month ends, or with a
--     card of this month's roll that ended within the last three months (last_card_end: the latest
--     end date of their BHYT cards over those months);
--   due_to_renew: an active BHYT card whose valid_to falls in the next month;
-- (Whether someone of the same household has active BHYT is the outreach command's, for one commune:
-- the household IDs are read from the raw register only there, like the names.)
-- Persons are matched on the two stored 64-bit halves of person_key, not on the 128-bit value the
-- staging views build for every row (which made the national aggregate a third slower).
set variable outreach_period = $period;

set variable outreach_next_period = $next_period;

set variable outreach_previous_period = $previous_period;

set variable outreach_two_months_ago = $two_months_ago;

set variable outreach_three_months_ago = $three_months_ago;

set variable outreach_commune_code = $commune_code;

create or replace temp view outreach_people as
with register as (
    select
        person_key_hi,
        person_key_lo,
        vintage,
        commune_code,
        village,
        sex,
        birth_year,
        year(getvariable('outreach_period')) - birth_year as age,
        source_file,
        source_row
    from staging.residents
    where
        period = getvariable('outreach_period')
        and (
            getvariable('outreach_commune_code') is null
            or commune_code = getvariable('outreach_commune_code')
        )
        and exists (
            select 1 from staging.rolls as month_roll
            where month_roll.period = getvariable('outreach_period')
        )
),

-- Every flag from one pass over the month's roll and the three before it (of those, BHYT rows only),
-- grouped by person: one scan and one aggregate, then one join to the register. Rows that can set no
-- flag (BHTN, inactive BHXH) are left out before grouping. outreach_rolls is
-- staging.rolls for the mart (sql/intermediate/int_outreach_rolls.sql), and only one commune's
-- residents' rows for the outreach command (sql/outreach/commune_rolls.sql).
roll_flags as (
    select
        rolls.person_key_hi,
        rolls.person_key_lo,
        bool_or(
            rolls.period = getvariable('outreach_period') and rolls.scheme = 'BHYT' and rolls.is_active
        ) as has_bhyt,
        bool_or(
            rolls.period = getvariable('outreach_period')
            and rolls.scheme in ('BHXH_BB', 'BHXH_TN')
            and rolls.is_active
        ) as has_bhxh,
        bool_or(
            rolls.period = getvariable('outreach_period')
            and rolls.scheme = 'BHYT'
            and rolls.is_active
            and rolls.valid_to > getvariable('outreach_period')
            and rolls.valid_to <= getvariable('outreach_next_period')
        ) as bhyt_due,
        bool_or(
            rolls.scheme = 'BHYT'
            and (
                (rolls.period < getvariable('outreach_period') and rolls.is_active)
                or (
                    rolls.period = getvariable('outreach_period')
                    and rolls.valid_to > getvariable('outreach_three_months_ago')
                )
            )
        ) as recently_covered,
        max(rolls.valid_to) filter (where rolls.scheme = 'BHYT') as last_card_end
    from outreach_rolls as rolls
    where
        (
            (
                rolls.period = getvariable('outreach_period')
                and (rolls.scheme = 'BHYT' or (rolls.scheme in ('BHXH_BB', 'BHXH_TN') and rolls.is_active))
            )
            or (
                rolls.period in (
                    getvariable('outreach_previous_period'),
                    getvariable('outreach_two_months_ago'),
                    getvariable('outreach_three_months_ago')
                )
                and rolls.scheme = 'BHYT'
            )
        )
    group by rolls.person_key_hi, rolls.person_key_lo
),

flagged as (
    select
        register.*,
        register.age >= 15
        and register.age <= case
            when register.sex = 'M'
                then least(62, 60 + ceil(greatest(0, year(getvariable('outreach_period')) - 2020) * 3 / 12))
            else least(60, 55 + ceil(greatest(0, year(getvariable('outreach_period')) - 2020) * 4 / 12))
        end as is_working_age,
        coalesce(roll_flags.has_bhyt, false) as has_bhyt,
        coalesce(roll_flags.has_bhxh, false) as has_bhxh,
        coalesce(roll_flags.bhyt_due, false) as due_to_renew,
        coalesce(roll_flags.recently_covered, false) as recently_covered,
        roll_flags.last_card_end
    from register
    left join roll_flags
        on
            register.person_key_hi = roll_flags.person_key_hi
            and register.person_key_lo = roll_flags.person_key_lo
)

select
    person_key_hi,
    person_key_lo,
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
    has_bhyt,
    source_file,
    source_row
from flagged;
