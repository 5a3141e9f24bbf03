-- marts.bhyt_groups for one period: active BHYT participants per object code and its group of the
-- Law on Health Insurance, at every level and on both boundaries. Replaces the period.
delete from marts.bhyt_groups
where period = $period;

insert into marts.bhyt_groups by name
select
    $period as period,
    facts.boundary,
    facts.vintage,
    facts.level,
    facts.unit_code,
    units.name as unit_name,
    object_codes.group_no,
    facts.key as object_code,
    facts.value as participants,
    facts.approximate
from period_facts as facts
inner join ref.bhyt_object_codes as object_codes
    on facts.key = object_codes.code
inner join ref.admin_units as units
    on facts.vintage = units.vintage and facts.unit_code = units.code
where facts.measure = 'bhyt_object' and facts.value > 0;
