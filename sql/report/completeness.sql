-- Who delivered: for each indicator, the unit's sub-units with and without data at the period, and the
-- names of those without (marts.completeness).
with own as (
    select
        indicator,
        delivered,
        sub_units,
        sub_units_delivered,
        sub_units_missing,
        communes,
        communes_delivered
    from marts.completeness
    where
        period = $period
        and boundary = $boundary
        and level = $level
        and unit_code = $unit
),

missing as (
    select
        indicator,
        list(unit_name order by unit_code) as missing_names
    from marts.completeness
    where
        period = $period
        and boundary = $boundary
        and parent_code = $unit
        and level = $child_level
        and delivered = 'nothing'
    group by indicator
)

select
    own.*,
    coalesce(missing.missing_names, []) as missing_names
from own
left join missing on own.indicator = missing.indicator
order by array_position(['bhyt', 'bhxh', 'bhxh_bb', 'bhxh_tn', 'bhtn'], own.indicator);
