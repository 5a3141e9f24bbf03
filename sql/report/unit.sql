-- The unit a report is about, on the boundary's vintage at the period: the nation, a province, a
-- district (pre-reform, as reported) or a commune. `current` is the latest vintage whatever the period.
-- No row: the code is not a unit of that vintage.
with vintage_in_force as (
    select max(vintage) as vintage
    from ref.admin_units
    where
        ($boundary = 'current' and valid_to is null)
        or ($boundary = 'as_reported' and vintage <= $period)
)

select
    units.vintage,
    units.level,
    units.code,
    units.name,
    units.province_code,
    provinces.name as province_name
from ref.admin_units as units
inner join vintage_in_force on units.vintage = vintage_in_force.vintage
left join ref.admin_units as provinces
    on units.vintage = provinces.vintage and units.province_code = provinces.code
where units.code = $unit;
