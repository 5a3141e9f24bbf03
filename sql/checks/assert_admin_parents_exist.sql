-- Catches: a unit whose parent or province does not exist in its own vintage, or sits at the wrong
-- level (province -> nation, district -> province, commune -> district or province).
with units as (
    select
        vintage,
        level,
        code,
        parent_code,
        province_code
    from ref.admin_units
),

resolved as (
    select
        units.vintage,
        units.level,
        units.code,
        units.parent_code,
        units.province_code,
        parent.level as parent_level,
        province.level as province_level
    from units
    left join ref.admin_units as parent
        on units.vintage = parent.vintage and units.parent_code = parent.code
    left join ref.admin_units as province
        on units.vintage = province.vintage and units.province_code = province.code
    where units.level != 'nation'
)

select
    vintage,
    level,
    code,
    parent_code,
    parent_level,
    province_code
from resolved
where
    parent_level is null
    or province_level is distinct from 'province'
    or (level = 'province' and parent_level != 'nation')
    or (level = 'district' and parent_level != 'province')
    or (level = 'commune' and parent_level not in ('district', 'province'))
order by vintage, code
