-- BHYT participants of the unit at the period by the five groups of the Law on Health Insurance.
select
    codes.group_no,
    any_value(codes.group_name) as group_name,
    coalesce(sum(groups.participants), 0) as participants
from ref.bhyt_object_codes as codes
left join marts.bhyt_groups as groups
    on
        codes.code = groups.object_code
        and groups.period = $period
        and groups.boundary = $boundary
        and groups.level = $level
        and groups.unit_code = $unit
group by codes.group_no
order by codes.group_no;
