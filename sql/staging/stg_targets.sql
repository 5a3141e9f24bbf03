-- Judge coverage targets (temp table resolved) and replace staging.targets. Targets are percentages
-- between 0 and 100; one target per unit, year and indicator.
create or replace temp table classified as
with ruled as (
    select
        *,
        case
            when year is null or year not between 1900 and 2200 then 'invalid_year'
            when unit_rule is not null then unit_rule
            when
                indicator is null or indicator not in ('bhxh', 'bhxh_bb', 'bhxh_tn', 'bhtn', 'bhyt')
                then 'unknown_indicator'
            when target_pct is null then 'invalid_number'
            when target_pct < 0 or target_pct > 100 then 'target_out_of_range'
            when due_date_raw is not null and due_date is null then 'invalid_date'
        end as row_rule
    from resolved
),

numbered as (
    select
        *,
        row_number() over (
            partition by row_rule is null, year, vintage, unit_level, unit_code, indicator
            order by source_file, source_row
        ) as occurrence
    from ruled
)

select
    *,
    coalesce(row_rule, case when occurrence > 1 then 'duplicate_row' end) as rule
from numbered;

delete from staging.targets;

insert into staging.targets by name
select
    year,
    vintage,
    unit_level,
    unit_code,
    indicator,
    target_pct,
    coalesce(due_date, make_date(year, 12, 31)) as due_date,
    source_file,
    source_row
from classified
where rule is null;

insert into staging.quarantine by name
select
    'targets' as source,
    '' as partition_key,
    source_file,
    source_row,
    rule,
    case
        when rule = 'invalid_year' then 'year'
        when rule = 'unknown_indicator' then 'indicator'
        when rule in ('invalid_number', 'target_out_of_range') then 'target_pct'
        when rule = 'invalid_date' then 'due_date'
        when rule = 'duplicate_row' then 'year, unit_level, unit_code, indicator'
        else unit_rule_column
    end as column_name,
    case
        when rule = 'invalid_year' then year_raw
        when rule = 'unknown_indicator' then indicator
        when rule in ('invalid_number', 'target_out_of_range') then target_pct_raw
        when rule = 'invalid_date' then due_date_raw
        when rule = 'duplicate_row' then unit_level || ' ' || unit_code || ' ' || year || ' ' || indicator
        else unit_rule_value
    end as offending_value
from classified
where rule is not null;

drop table classified;

drop table resolved;
