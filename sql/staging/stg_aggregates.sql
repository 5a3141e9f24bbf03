-- Judge aggregate counts (temp table resolved) and replace staging.aggregates. One count per unit,
-- date and scheme: later copies are duplicates.
create or replace temp table classified as
with ruled as (
    select
        *,
        case
            when as_of is null then 'invalid_date'
            when unit_rule is not null then unit_rule
            when
                scheme is null or scheme not in ('BHXH_BB', 'BHXH_TN', 'BHXH', 'BHTN', 'BHYT')
                then 'unknown_scheme'
            when participants is null then 'invalid_number'
            when participants < 0 then 'negative_count'
        end as row_rule
    from resolved
),

numbered as (
    select
        *,
        row_number() over (
            partition by row_rule is null, as_of, vintage, unit_level, unit_code, scheme
            order by source_file, source_row
        ) as occurrence
    from ruled
)

select
    *,
    coalesce(row_rule, case when occurrence > 1 then 'duplicate_row' end) as rule
from numbered;

delete from staging.aggregates;

insert into staging.aggregates by name
select
    as_of,
    vintage,
    unit_level,
    unit_code,
    scheme,
    participants,
    source_file,
    source_row
from classified
where rule is null;

insert into staging.quarantine by name
select
    'aggregates' as source,
    '' as partition_key,
    source_file,
    source_row,
    rule,
    case
        when rule = 'invalid_date' then 'as_of'
        when rule = 'unknown_scheme' then 'scheme'
        when rule in ('invalid_number', 'negative_count') then 'participants'
        when rule = 'duplicate_row' then 'as_of, unit_level, unit_code, scheme'
        else unit_rule_column
    end as column_name,
    case
        when rule = 'invalid_date' then as_of_raw
        when rule = 'unknown_scheme' then scheme
        when rule in ('invalid_number', 'negative_count') then participants_raw
        when rule = 'duplicate_row' then unit_level || ' ' || unit_code || ' ' || as_of || ' ' || scheme
        else unit_rule_value
    end as offending_value
from classified
where rule is not null;

drop table classified;

drop table resolved;
