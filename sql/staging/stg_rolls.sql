-- Judge one roll month against the raw contract's rules, after sql/staging/month_code_lookup.sql (which
-- reads the month's pending files and resolves its commune codes). Each rule is a join against small
-- lookups, and only the rows that need more (duplicates, quarantine) are kept. The first rule a row
-- breaks is its quarantine reason; a code of an earlier vintage is quarantined when its commune was
-- split.
-- Leaves: the temp view roll_rows_ruled, and the temp tables roll_person_flags (persons with a repeated
-- scheme or in both BHXH schemes), roll_repeats (every occurrence after the first) and roll_quarantine.
create or replace temp view roll_rows_ruled as
select
    *,
    case
        when person_key_hi is null then 'missing_person_id'
        when person_id_problem is not null then 'invalid_person_id'
        when scheme is null or scheme not in ('BHXH_BB', 'BHXH_TN', 'BHTN', 'BHYT') then 'unknown_scheme'
        when commune_code is null then 'missing_commune_code'
        when vintage_raw is not null then 'invalid_vintage'
        when not code_known then 'unknown_commune_code'
        when code_vintage > period_vintage then 'code_from_later_vintage'
        when
            code_vintage < period_vintage and (is_split or mapped_code is null)
            then 'pre_reform_code_split'
        when scheme = 'BHYT' and bhyt_object_code is null then 'missing_bhyt_object_code'
        when
            scheme = 'BHYT'
            and bhyt_object_code not in (
                select object_codes.code from ref.bhyt_object_codes as object_codes
            )
            then 'invalid_bhyt_object_code'
        when
            birth_year_raw is not null or birth_year < 1900 or birth_year > year(getvariable('month_period'))
            then 'impossible_birth_year'
        when sex_raw is not null then 'invalid_sex'
        when valid_from_raw is not null then 'invalid_valid_from'
        when valid_to_raw is not null then 'invalid_valid_to'
        when valid_from > valid_to then 'valid_from_after_valid_to'
    end as row_rule
from month_rows_located;

-- One pass over the month, keyed by person: who has a scheme more than once (duplicates) and who is
-- in both BHXH schemes. Only those persons are kept (a handful), so this stays small.
create or replace temp table roll_person_flags as
with schemes as (
    select
        person_key_hi,
        person_key_lo,
        count(*) as n_rows,
        bit_or(
            case scheme when 'BHXH_BB' then 1 when 'BHXH_TN' then 2 when 'BHTN' then 4 else 8 end
        ) as scheme_bits
    from roll_rows_ruled
    where row_rule is null
    group by person_key_hi, person_key_lo
)

select
    person_key_hi,
    person_key_lo,
    n_rows > bit_count(scheme_bits) as has_repeats,
    scheme_bits & 3 = 3 as in_both_bhxh
from schemes
where n_rows > bit_count(scheme_bits) or scheme_bits & 3 = 3;

-- Every accepted-by-rule row after the first of its person and scheme (first = earliest file and row).
create or replace temp table roll_repeats as
with repeating_persons as (
    select
        person_key_hi,
        person_key_lo
    from roll_person_flags
    where has_repeats
),

repeated as (
    select
        ruled.source_file,
        ruled.source_row,
        row_number() over (
            partition by ruled.person_key_hi, ruled.person_key_lo, ruled.scheme
            order by ruled.source_file, ruled.source_row
        ) as occurrence,
        first_value(ruled.source_file || ' row ' || ruled.source_row) over (
            partition by ruled.person_key_hi, ruled.person_key_lo, ruled.scheme
            order by ruled.source_file, ruled.source_row
        ) as first_occurrence
    from roll_rows_ruled as ruled
    semi join repeating_persons
        on
            ruled.person_key_hi = repeating_persons.person_key_hi
            and ruled.person_key_lo = repeating_persons.person_key_lo
    where ruled.row_rule is null
)

select
    source_file,
    source_row,
    first_occurrence
from repeated
where occurrence > 1;

create or replace temp table roll_quarantine as
select
    source_file,
    source_row,
    row_rule as rule,
    case row_rule
        when 'missing_person_id' then 'person_id'
        when 'invalid_person_id' then 'person_id'
        when 'unknown_scheme' then 'scheme'
        when 'missing_commune_code' then 'commune_code'
        when 'invalid_vintage' then 'vintage'
        when 'unknown_commune_code' then 'commune_code'
        when 'code_from_later_vintage' then 'commune_code'
        when 'pre_reform_code_split' then 'commune_code'
        when 'missing_bhyt_object_code' then 'bhyt_object_code'
        when 'invalid_bhyt_object_code' then 'bhyt_object_code'
        when 'impossible_birth_year' then 'birth_year'
        when 'invalid_sex' then 'sex'
        when 'invalid_valid_from' then 'valid_from'
        when 'invalid_valid_to' then 'valid_to'
        when 'valid_from_after_valid_to' then 'valid_from'
    end as column_name,
    case row_rule
        when 'missing_person_id' then null
        when 'invalid_person_id' then person_id_problem
        when 'unknown_scheme' then scheme
        when 'missing_commune_code' then null
        when 'invalid_vintage' then vintage_raw
        when 'unknown_commune_code' then commune_code
        when 'code_from_later_vintage' then commune_code
        when 'pre_reform_code_split' then commune_code
        when 'missing_bhyt_object_code' then null
        when 'invalid_bhyt_object_code' then bhyt_object_code
        when 'impossible_birth_year' then coalesce(birth_year_raw, birth_year::varchar)
        when 'invalid_sex' then sex_raw
        when 'invalid_valid_from' then valid_from_raw
        when 'invalid_valid_to' then valid_to_raw
        when 'valid_from_after_valid_to' then valid_from::varchar || ' > ' || valid_to::varchar
    end as offending_value
from roll_rows_ruled
where row_rule is not null
union all
select
    source_file,
    source_row,
    'duplicate_person_scheme' as rule,
    'person_id, scheme' as column_name,
    'repeats ' || first_occurrence as offending_value
from roll_repeats;
