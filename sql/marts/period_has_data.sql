-- Whether a period has anything to build marts from: a roll of the month or an aggregate dated on it.
select
    exists (
        select 1 from staging.rolls
        where period = $period
    )
    or exists (
        select 1 from staging.aggregates
        where as_of = $period
    ) as has_data
