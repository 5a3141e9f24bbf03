-- The rolls sql/intermediate/int_outreach_people.sql reads for the outreach mart: all of them when the
-- month has a resident register, none otherwise (the per-person aggregate over the month's rolls is
-- the mart's main cost, and without a register nobody is counted). The outreach command reads one
-- commune's residents' rows only: sql/outreach/commune_rolls.sql.
set variable outreach_register_period = $period;

create or replace temp view outreach_rolls as
select * from staging.rolls
where exists (
    select 1 from staging.residents as residents
    where residents.period = getvariable('outreach_register_period')
);
