-- marts.retention for one period: per scheme, people continuing, new and stopped against the previous
-- month's snapshot, and active rows due to renew next month. Only when both snapshots exist.
delete from marts.retention
where period = $period;

insert into marts.retention by name
with movements as (
    select
        boundary,
        vintage,
        level,
        unit_code,
        key as scheme,
        coalesce(sum(value) filter (where measure = 'continuing'), 0) as continuing,
        coalesce(sum(value) filter (where measure = 'new'), 0) as new,
        coalesce(sum(value) filter (where measure = 'stopped'), 0) as stopped,
        coalesce(sum(value) filter (where measure = 'due_next_month'), 0) as due_next_month,
        bool_or(approximate) as approximate
    from period_facts
    where measure in ('continuing', 'new', 'stopped', 'due_next_month')
    group by boundary, vintage, level, unit_code, key
)

select
    $period as period,
    movements.boundary,
    movements.vintage,
    movements.level,
    movements.unit_code,
    units.name as unit_name,
    movements.scheme,
    movements.continuing,
    movements.new,
    movements.stopped,
    movements.due_next_month,
    movements.approximate
from movements
inner join ref.admin_units as units
    on movements.vintage = units.vintage and movements.unit_code = units.code;
