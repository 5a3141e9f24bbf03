-- Judge population or labour-force rows (temp table resolved; $source is the kind) and replace that
-- kind in staging.denominators. One figure per unit and year: later copies are duplicates.
create or replace temp table classified as
with ruled as (
    select
        *,
        case
            when year is null or year not between 1900 and 2200 then 'invalid_year'
            when unit_rule is not null then unit_rule
            when value is null then 'invalid_number'
            when value <= 0 then 'non_positive_denominator'
        end as row_rule
    from resolved
),

numbered as (
    select
        *,
        row_number() over (
            partition by row_rule is null, year, vintage, unit_level, unit_code
            order by source_file, source_row
        ) as occurrence
    from ruled
)

select
    *,
    coalesce(row_rule, case when occurrence > 1 then 'duplicate_row' end) as rule
from numbered;

delete from staging.denominators
where kind = $source;

insert into staging.denominators by name
select
    $source as kind,
    year,
    vintage,
    unit_level,
    unit_code,
    value,
    source,
    source_file,
    source_row
from classified
where rule is null;

insert into staging.quarantine by name
select
    $source as source,
    '' as partition_key,
    source_file,
    source_row,
    rule,
    case
        when rule = 'invalid_year' then 'year'
        when rule in ('invalid_number', 'non_positive_denominator') then $source
        when rule = 'duplicate_row' then 'year, unit_level, unit_code'
        else unit_rule_column
    end as column_name,
    case
        when rule = 'invalid_year' then year_raw
        when rule in ('invalid_number', 'non_positive_denominator') then value_raw
        when rule = 'duplicate_row' then unit_level || ' ' || unit_code || ' ' || year
        else unit_rule_value
    end as offending_value
from classified
where rule is not null;

drop table classified;

drop table resolved;
