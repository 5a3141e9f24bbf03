-- The persons of one commune's lists (after sql/intermediate/int_outreach_people.sql for that
-- commune): those in $list ('all': in any list), of $village (NULL: every village), with the register
-- row that names them. Pseudonymised: the command reads the names from the raw register itself, and
-- checks each row against the person key (as stored: two 64-bit halves). household_covered: someone of
-- the person's household has active BHYT (NULL without household IDs in the register).
with households as (
    select
        *,
        case
            when household_key is not null then bool_or(has_bhyt) over (partition by household_key)
        end as household_covered
    from outreach_people
)

select
    (person_key >> 64)::ubigint as person_key_hi,
    (person_key & 18446744073709551615::uhugeint)::ubigint as person_key_lo,
    village,
    sex,
    birth_year,
    not_covered_bhyt,
    not_covered_bhxh,
    lapsed,
    due_to_renew,
    last_card_end,
    household_covered,
    source_file,
    source_row
from households
where
    ($village is null or village = $village)
    and case $list
        when 'not_covered_bhyt' then not_covered_bhyt
        when 'not_covered_bhxh' then not_covered_bhxh
        when 'lapsed' then lapsed
        when 'due_to_renew' then due_to_renew
        else not_covered_bhyt or not_covered_bhxh or due_to_renew
    end
