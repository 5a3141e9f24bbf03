-- The rolls sql/intermediate/int_outreach_people.sql reads for the outreach mart: all of them (the
-- outreach command reads one commune's residents' rows only: sql/outreach/commune_rolls.sql).
create or replace temp view outreach_rolls as
select * from staging.rolls;
