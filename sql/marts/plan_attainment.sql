-- marts.plan_attainment for one period: new participants of the year to date against the unit's
-- plan. Scheme rows for every unit with new participants or a plan; object-code rows (e.g. BHYT GD)
-- where a plan names that object code. Replaces the period.
delete from marts.plan_attainment
where period = $period;

insert into marts.plan_attainment by name
with new_participants as (
    select
        boundary,
        vintage,
        level,
        unit_code,
        split_part(key, '/', 1) as scheme,
        nullif(split_part(key, '/', 2), '') as bhyt_object_code,
        value,
        approximate
    from period_facts
    where measure = 'new_ytd'
),

boundaries as (
    select distinct
        boundary,
        vintage
    from period_facts
),

plans as (
    select
        boundaries.boundary,
        plans.vintage,
        plans.unit_level as level,
        plans.unit_code,
        plans.scheme,
        plans.bhyt_object_code,
        plans.planned_new
    from staging.plans as plans
    inner join boundaries
        on plans.vintage = boundaries.vintage
    where plans.year = $year
),

combined as (
    select
        coalesce(new_participants.boundary, plans.boundary) as boundary,
        coalesce(new_participants.vintage, plans.vintage) as vintage,
        coalesce(new_participants.level, plans.level) as level,
        coalesce(new_participants.unit_code, plans.unit_code) as unit_code,
        coalesce(new_participants.scheme, plans.scheme) as scheme,
        coalesce(new_participants.bhyt_object_code, plans.bhyt_object_code) as bhyt_object_code,
        new_participants.value as new_participants,
        plans.planned_new,
        coalesce(new_participants.approximate, false) as approximate
    from new_participants
    full outer join plans
        on
            new_participants.boundary = plans.boundary
            and new_participants.level = plans.level
            and new_participants.unit_code = plans.unit_code
            and new_participants.scheme = plans.scheme
            and new_participants.bhyt_object_code is not distinct from plans.bhyt_object_code
    where new_participants.bhyt_object_code is null or plans.planned_new is not null
)

select
    $year as year,
    $period as period,
    combined.boundary,
    combined.vintage,
    combined.level,
    combined.unit_code,
    units.name as unit_name,
    combined.scheme,
    combined.bhyt_object_code,
    combined.new_participants,
    combined.planned_new,
    combined.new_participants * 100.0 / nullif(combined.planned_new, 0) as attainment_pct,
    combined.approximate
from combined
inner join ref.admin_units as units
    on combined.vintage = units.vintage and combined.unit_code = units.code;
