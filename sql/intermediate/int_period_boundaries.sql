-- The two boundaries of one period ($period): as_reported, the vintage in force on $period; current,
-- the latest vintage. Read by int_period_facts.sql and the marts that list units of both boundaries.
create or replace temp table period_boundaries as
with vintages as (
    select distinct vintage from ref.admin_units
)

select
    'as_reported' as boundary,
    max(vintage) as vintage
from vintages
where vintage <= $period
union all
select
    'current' as boundary,
    max(vintage) as vintage
from vintages;
