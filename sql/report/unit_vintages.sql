-- Every vintage a unit code belongs to, newest first: says where an unknown code can be reported.
select
    vintage,
    valid_to,
    name
from ref.admin_units
where code = $unit
order by vintage desc;
