-- Judge plans of new participants (temp table resolved) and replace staging.plans. A plan may narrow
-- BHYT to one object code (e.g. household GD); one plan per unit, year, scheme and object code.
create or replace temp table classified as
with ruled as (
    select
        *,
        case
            when year is null or year not between 1900 and 2200 then 'invalid_year'
            when unit_rule is not null then unit_rule
            when scheme is null or scheme not in ('BHXH_BB', 'BHXH_TN', 'BHTN', 'BHYT') then 'unknown_scheme'
            when
                bhyt_object_code is not null
                and (
                    scheme != 'BHYT'
                    or bhyt_object_code not in (
                        select object_codes.code from ref.bhyt_object_codes as object_codes
                    )
                )
                then 'invalid_bhyt_object_code'
            when planned_new is null then 'invalid_number'
            when planned_new < 0 then 'negative_count'
        end as row_rule
    from resolved
),

numbered as (
    select
        *,
        row_number() over (
            partition by row_rule is null, year, vintage, unit_level, unit_code, scheme, bhyt_object_code
            order by source_file, source_row
        ) as occurrence
    from ruled
)

select
    *,
    coalesce(row_rule, case when occurrence > 1 then 'duplicate_row' end) as rule
from numbered;

delete from staging.plans;

insert into staging.plans by name
select
    year,
    vintage,
    unit_level,
    unit_code,
    scheme,
    bhyt_object_code,
    planned_new,
    source_file,
    source_row
from classified
where rule is null;

insert into staging.quarantine by name
select
    'plans' as source,
    '' as partition_key,
    source_file,
    source_row,
    rule,
    case
        when rule = 'invalid_year' then 'year'
        when rule = 'unknown_scheme' then 'scheme'
        when rule = 'invalid_bhyt_object_code' then 'bhyt_object_code'
        when rule in ('invalid_number', 'negative_count') then 'planned_new'
        when rule = 'duplicate_row' then 'year, unit_level, unit_code, scheme, bhyt_object_code'
        else unit_rule_column
    end as column_name,
    case
        when rule = 'invalid_year' then year_raw
        when rule = 'unknown_scheme' then scheme
        when rule = 'invalid_bhyt_object_code' then bhyt_object_code
        when rule in ('invalid_number', 'negative_count') then planned_new_raw
        when rule = 'duplicate_row' then unit_level || ' ' || unit_code || ' ' || year || ' ' || scheme
        else unit_rule_value
    end as offending_value
from classified
where rule is not null;

drop table classified;

drop table resolved;
