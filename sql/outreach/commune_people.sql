-- One commune's residents with what they miss (after sql/intermediate/int_outreach_people.sql for that
-- commune), materialised once: the command reads them more than once (its villages, its people), and
-- the view behind them scans the rolls each time. Every resident of the commune, listed or not: the
-- command reads their household IDs from the raw register to tell whom someone of the household
-- covers, then keeps the persons of the list asked for. Pseudonymised (person_key as its two stored
-- 64-bit halves): the command reads names from the raw register rows itself, and checks each row
-- against the person key before naming anyone.
create or replace temp table outreach_commune_people as
select
    person_key_hi,
    person_key_lo,
    village,
    sex,
    birth_year,
    not_covered_bhyt,
    not_covered_bhxh,
    lapsed,
    due_to_renew,
    last_card_end,
    has_bhyt,
    source_file,
    source_row
from outreach_people;
