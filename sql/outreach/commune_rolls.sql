-- The rolls sql/intermediate/int_outreach_people.sql reads for one commune's lists: the rows of the
-- month and the three before it of the persons the month's register places in the commune, so the
-- command never aggregates the nation's rolls.
set variable outreach_scope_period = $period;

set variable outreach_scope_commune = $commune_code;

create or replace temp view outreach_rolls as
with commune_residents as (
    select
        residents.person_key_hi,
        residents.person_key_lo
    from staging.residents as residents
    where
        residents.period = getvariable('outreach_scope_period')
        and residents.commune_code = getvariable('outreach_scope_commune')
)

select rolls.*
from staging.rolls as rolls
semi join commune_residents
    on
        rolls.person_key_hi = commune_residents.person_key_hi
        and rolls.person_key_lo = commune_residents.person_key_lo;
