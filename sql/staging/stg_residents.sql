-- Judge one resident-register month against the raw contract's rules (docs/contracts/raw-data.md,
-- "Extension: the resident register"), after sql/staging/month_code_lookup.sql. The first rule a row
-- breaks is its quarantine reason. A person listed twice in one month's register is kept once (the
-- first occurrence by file and row); every later occurrence is quarantined as a duplicate.
-- Leaves: the temp view resident_rows_ruled and the temp tables resident_repeats and
-- resident_quarantine.
create or replace temp view resident_rows_ruled as
select
    *,
    case
        when person_key_hi is null then 'missing_person_id'
        when person_id_problem is not null then 'invalid_person_id'
        when commune_code is null then 'missing_commune_code'
        when vintage_raw is not null then 'invalid_vintage'
        when not code_known then 'unknown_commune_code'
        when code_vintage > period_vintage then 'code_from_later_vintage'
        when
            code_vintage < period_vintage and (is_split or mapped_code is null)
            then 'pre_reform_code_split'
        when village is null then 'missing_village'
        when birth_year is null and birth_year_raw is null then 'missing_birth_year'
        when
            birth_year_raw is not null or birth_year < 1900 or birth_year > year(getvariable('month_period'))
            then 'impossible_birth_year'
        when sex_raw is not null then 'invalid_sex'
    end as row_rule
from month_rows_located;

-- Every accepted-by-rule row after the first of its person. Persons listed more than once are found
-- first by one grouping pass over the key columns of the pending files alone (no lookup or rule is
-- evaluated for it), so the ordering window runs over those few persons only, among the rows that
-- pass the rules.
create or replace temp table resident_repeats as
with repeating_persons as (
    select
        person_key_hi,
        person_key_lo
    from read_parquet(getvariable('month_pending'))
    where person_key_hi is not null
    group by person_key_hi, person_key_lo
    having count(*) > 1
),

repeated as (
    select
        ruled.source_file,
        ruled.source_row,
        row_number() over (
            partition by ruled.person_key_hi, ruled.person_key_lo
            order by ruled.source_file, ruled.source_row
        ) as occurrence,
        first_value(ruled.source_file || ' row ' || ruled.source_row) over (
            partition by ruled.person_key_hi, ruled.person_key_lo
            order by ruled.source_file, ruled.source_row
        ) as first_occurrence
    from resident_rows_ruled as ruled
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

-- The offending value never quotes a person's identifier or name (see person_id_problem).
create or replace temp table resident_quarantine as
select
    source_file,
    source_row,
    row_rule as rule,
    case row_rule
        when 'missing_person_id' then 'person_id'
        when 'invalid_person_id' then 'person_id'
        when 'missing_commune_code' then 'commune_code'
        when 'invalid_vintage' then 'vintage'
        when 'unknown_commune_code' then 'commune_code'
        when 'code_from_later_vintage' then 'commune_code'
        when 'pre_reform_code_split' then 'commune_code'
        when 'missing_village' then 'village'
        when 'missing_birth_year' then 'birth_year'
        when 'impossible_birth_year' then 'birth_year'
        when 'invalid_sex' then 'sex'
    end as column_name,
    case row_rule
        when 'invalid_person_id' then person_id_problem
        when 'invalid_vintage' then vintage_raw
        when 'unknown_commune_code' then commune_code
        when 'code_from_later_vintage' then commune_code
        when 'pre_reform_code_split' then commune_code
        when 'impossible_birth_year' then coalesce(birth_year_raw, birth_year::varchar)
        when 'invalid_sex' then sex_raw
    end as offending_value
from resident_rows_ruled
where row_rule is not null
union all
select
    source_file,
    source_row,
    'duplicate_person' as rule,
    'person_id' as column_name,
    'repeats ' || first_occurrence as offending_value
from resident_repeats;
