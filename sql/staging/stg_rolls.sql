-- Judge one roll month against the raw contract's rules. The month's rows arrive as Parquet files of
-- normalised, pseudonymised rows ($pending, one per raw file, written by ingestion) and are streamed,
-- never copied into a table: each rule is a join against small lookups (the commune codes of the
-- vintages, a few thousand rows), and only the rows that need more (duplicates, quarantine) are kept.
-- The first rule a row breaks is its quarantine reason. Codes are resolved in the vintage in force on
-- the snapshot date; a code of an earlier vintage (a pre-reform code in a post-reform month) is mapped
-- through the crosswalk when its link is whole, and quarantined when the commune was split.
-- Leaves: the temp view roll_rows_ruled, and the temp tables roll_person_flags (persons with a repeated
-- scheme or in both BHXH schemes), roll_repeats (every occurrence after the first) and roll_quarantine.
set variable roll_period = $period;

set variable roll_pending = $pending;

create or replace temp table roll_vintages as
select distinct vintage from ref.admin_units;

-- The vintage a declared `vintage` date falls in (a handful of distinct values per month).
create or replace temp table roll_declared as
with declared as (
    select distinct pending.vintage_declared
    from read_parquet(getvariable('roll_pending')) as pending
    where pending.vintage_declared is not null
)

select
    declared.vintage_declared,
    max(roll_vintages.vintage) as declared_vintage
from declared
inner join roll_vintages on declared.vintage_declared >= roll_vintages.vintage
group by declared.vintage_declared;

-- One row per (declared vintage, commune code) that can be read: the vintage the code is read in and,
-- when that is earlier than the period's, where its crosswalk link leads. declared_vintage is
-- 0001-01-01 for rows without a declared vintage. Codes missing here are unknown.
create or replace temp table roll_code_lookup as
with period_vintage as (
    select max(vintage) as vintage from roll_vintages
    where vintage <= getvariable('roll_period')
),

communes as (
    select
        vintage,
        code
    from ref.admin_units
    where level = 'commune'
),

-- Where a code is unknown in the period's vintage: the latest earlier vintage that has it.
undeclared as (
    select
        communes.code,
        max(communes.vintage) as code_vintage
    from communes
    cross join period_vintage
    where communes.vintage <= period_vintage.vintage
    group by communes.code
),

readable as (
    select
        date '0001-01-01' as declared_vintage,
        code,
        code_vintage
    from undeclared
    union all
    select
        vintage as declared_vintage,
        code,
        vintage as code_vintage
    from communes
),

links as (
    select
        from_vintage,
        from_code,
        to_vintage,
        any_value(to_code) as to_code,
        count(*) > 1 or bool_or(is_partial) as is_split
    from ref.admin_crosswalk
    where from_level = 'commune'
    group by from_vintage, from_code, to_vintage
)

select
    readable.declared_vintage,
    readable.code,
    readable.code_vintage,
    period_vintage.vintage as period_vintage,
    links.to_code as mapped_code,
    links.is_split
from readable
cross join period_vintage
left join links
    on
        readable.code_vintage = links.from_vintage
        and readable.code = links.from_code
        and period_vintage.vintage = links.to_vintage;

create or replace temp view roll_rows_ruled as
with located as (
    select
        pending.*,
        lookup.code is not null as code_known,
        lookup.code_vintage,
        lookup.period_vintage,
        lookup.mapped_code,
        lookup.is_split
    from read_parquet(getvariable('roll_pending')) as pending
    left join roll_declared
        on pending.vintage_declared = roll_declared.vintage_declared
    left join roll_code_lookup as lookup
        on
            coalesce(roll_declared.declared_vintage, date '0001-01-01') = lookup.declared_vintage
            and pending.commune_code = lookup.code
)

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
            birth_year_raw is not null or birth_year < 1900 or birth_year > year(getvariable('roll_period'))
            then 'impossible_birth_year'
        when sex_raw is not null then 'invalid_sex'
        when valid_from_raw is not null then 'invalid_valid_from'
        when valid_to_raw is not null then 'invalid_valid_to'
        when valid_from > valid_to then 'valid_from_after_valid_to'
    end as row_rule
from located;

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
