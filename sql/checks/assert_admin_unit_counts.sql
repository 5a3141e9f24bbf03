-- Catches: a boundary vintage whose unit counts per level are wrong. The two 2025 vintages must hold
-- exactly the published counts (63 provinces, 696 districts, 10,035 communes before the reform; 34
-- provinces, 3,321 communes and no districts after); every vintage has one nation, at least one
-- province and at least one commune.
with counts as (
    select
        vintage,
        level,
        count(*) as n_units
    from ref.admin_units
    group by vintage, level
),

vintages as (
    select distinct vintage from ref.admin_units
),

published as (
    select
        cast(expected_counts.vintage as date) as vintage,
        expected_counts.level,
        expected_counts.min_units,
        expected_counts.max_units
    from (
        values
        ($pre_reform_vintage, 'province', 63, 63),
        ($pre_reform_vintage, 'district', 696, 696),
        ($pre_reform_vintage, 'commune', 10035, 10035),
        ($reform_vintage, 'province', 34, 34),
        ($reform_vintage, 'district', 0, 0),
        ($reform_vintage, 'commune', 3321, 3321)
    ) as expected_counts (vintage, level, min_units, max_units)
),

every_vintage as (
    select
        vintages.vintage,
        required.level,
        required.min_units,
        required.max_units
    from vintages
    cross join (
        values
        ('nation', 1, 1),
        ('province', 1, null),
        ('commune', 1, null)
    ) as required (level, min_units, max_units)
),

expected as (
    select * from published
    union all
    select * from every_vintage
)

select
    expected.vintage,
    expected.level,
    coalesce(counts.n_units, 0) as n_units,
    expected.min_units,
    expected.max_units
from expected
left join counts
    on expected.vintage = counts.vintage and expected.level = counts.level
where
    coalesce(counts.n_units, 0) < expected.min_units
    or coalesce(counts.n_units, 0) > expected.max_units
order by expected.vintage, expected.level
