-- Judge one roll month (staging.roll_rows_pending) against the raw contract's rules, then replace the
-- month in staging.rolls (accepted) and staging.quarantine (the rest). The first rule a row breaks is
-- its quarantine reason. Codes are resolved in the vintage in force on the snapshot date; a code of an
-- earlier vintage (a pre-reform code in a post-reform month) is mapped through the crosswalk when its
-- link is whole, and quarantined when the commune was split.
create or replace table staging.roll_rows_judged as
with vintages as (
    select distinct vintage from ref.admin_units
),

period_vintage as (
    select max(vintage) as vintage from vintages
    where vintage <= $period
),

communes as (
    select
        vintage,
        code
    from ref.admin_units
    where level = 'commune'
),

-- Where a code is unknown in the period's vintage: the latest earlier vintage that has it.
earlier_codes as (
    select
        communes.code,
        max(communes.vintage) as vintage
    from communes
    cross join period_vintage
    where communes.vintage < period_vintage.vintage
    group by communes.code
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
),

rows_in_vintage as (
    select
        roll_rows.*,
        period_vintage.vintage as period_vintage,
        (
            select max(vintages.vintage) from vintages
            where vintages.vintage <= roll_rows.vintage_declared
        ) as declared_vintage
    from staging.roll_rows_pending as roll_rows
    cross join period_vintage
),

resolved as (
    select
        rows_in_vintage.*,
        coalesce(
            rows_in_vintage.declared_vintage,
            case when in_period.code is not null then rows_in_vintage.period_vintage end,
            earlier_codes.vintage
        ) as code_vintage,
        case
            when rows_in_vintage.declared_vintage is not null then in_declared.code is not null
            else in_period.code is not null or earlier_codes.code is not null
        end as code_known
    from rows_in_vintage
    left join communes as in_period
        on
            rows_in_vintage.period_vintage = in_period.vintage
            and rows_in_vintage.commune_code = in_period.code
    left join communes as in_declared
        on
            rows_in_vintage.declared_vintage = in_declared.vintage
            and rows_in_vintage.commune_code = in_declared.code
    left join earlier_codes
        on rows_in_vintage.commune_code = earlier_codes.code
),

mapped as (
    select
        resolved.*,
        links.to_code as mapped_code,
        links.is_split
    from resolved
    left join links
        on
            resolved.code_vintage = links.from_vintage
            and resolved.commune_code = links.from_code
            and resolved.period_vintage = links.to_vintage
),

ruled as (
    select
        *,
        case
            when person_key is null then 'missing_person_id'
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
                birth_year_raw is not null or birth_year < 1900 or birth_year > year($period)
                then 'impossible_birth_year'
            when sex_raw is not null then 'invalid_sex'
            when valid_from_raw is not null then 'invalid_valid_from'
            when valid_to_raw is not null then 'invalid_valid_to'
            when valid_from > valid_to then 'valid_from_after_valid_to'
        end as row_rule
    from mapped
),

deduplicated as (
    select
        *,
        case
            when row_rule is null
                then row_number() over (
                    partition by row_rule is null, person_key, scheme order by source_file, source_row
                )
        end as occurrence,
        case
            when row_rule is null
                then first_value(source_file || ' row ' || source_row) over (
                    partition by row_rule is null, person_key, scheme order by source_file, source_row
                )
        end as first_occurrence
    from ruled
)

select
    source_file,
    source_row,
    person_key,
    scheme,
    sex,
    birth_year,
    valid_from,
    valid_to,
    coalesce(row_rule, case when occurrence > 1 then 'duplicate_person_scheme' end) as rule,
    case
        when code_vintage < period_vintage then mapped_code else commune_code
    end as commune_code,
    coalesce(code_vintage < period_vintage, false) as code_remapped,
    case when scheme = 'BHYT' then bhyt_object_code end as bhyt_object_code,
    case coalesce(row_rule, case when occurrence > 1 then 'duplicate_person_scheme' end)
        when 'missing_person_id' then 'person_id'
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
        when 'duplicate_person_scheme' then 'person_id, scheme'
    end as column_name,
    case coalesce(row_rule, case when occurrence > 1 then 'duplicate_person_scheme' end)
        when 'missing_person_id' then null
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
        when 'duplicate_person_scheme' then 'repeats ' || first_occurrence
    end as offending_value
from deduplicated;

delete from staging.rolls
where period = $period;

insert into staging.rolls
with accepted as (
    select * from staging.roll_rows_judged
    where rule is null
),

both_bhxh as (
    select person_key from accepted
    where scheme in ('BHXH_BB', 'BHXH_TN')
    group by person_key
    having count(distinct scheme) = 2
)

select
    $period as period,
    (
        select max(units.vintage) from ref.admin_units as units
        where units.vintage <= $period
    ) as vintage,
    accepted.person_key,
    accepted.scheme,
    accepted.commune_code,
    accepted.sex,
    accepted.birth_year,
    accepted.bhyt_object_code,
    accepted.valid_from,
    accepted.valid_to,
    coalesce(accepted.valid_from <= $period, true)
    and coalesce(accepted.valid_to >= $period, true) as is_active,
    accepted.code_remapped,
    both_bhxh.person_key is not null and accepted.scheme in ('BHXH_BB', 'BHXH_TN') as in_both_bhxh,
    accepted.source_file,
    accepted.source_row
from accepted
left join both_bhxh
    on accepted.person_key = both_bhxh.person_key;

insert into staging.quarantine
select
    'rolls' as source,
    $partition_key as partition_key,
    source_file,
    source_row,
    rule,
    column_name,
    offending_value
from staging.roll_rows_judged
where rule is not null;

drop table staging.roll_rows_judged;

drop table staging.roll_rows_pending;
