-- Add the units of one level ($level) to period_facts from their children, for every fact the
-- unit does not have itself. Participants and denominators need every child to have a figure
-- (else the unit's figure is unknown, never a partial sum); counts that only rolls produce are
-- plain sums. A unit is approximate when a child is and the unit itself received a split link.
-- Targets are not summed: a unit's target is what it was assigned (or its re-expressed constituents'),
-- never its children's.
insert into period_facts by name
with parents as (
    select
        vintage,
        code
    from ref.admin_units
    where level = $level
),

children_per_parent as (
    select
        children.vintage,
        children.parent_code,
        count(*) as n_children
    from ref.admin_units as children
    inner join parents
        on children.vintage = parents.vintage and children.parent_code = parents.code
    group by children.vintage, children.parent_code
),

child_facts as (
    select
        facts.boundary,
        facts.vintage,
        children.parent_code,
        facts.measure,
        facts.key,
        facts.value,
        facts.source,
        facts.approximate
    from period_facts as facts
    inner join ref.admin_units as children
        on
            facts.vintage = children.vintage
            and facts.unit_code = children.code
            and facts.level = children.level
    inner join parents
        on children.vintage = parents.vintage and children.parent_code = parents.code
    where facts.measure != 'target_persons'
),

sums as (
    select
        boundary,
        vintage,
        parent_code,
        measure,
        key,
        sum(value) as value,
        count(*) as n_with_fact,
        case when min(source) = max(source) then min(source) else 'mixed' end as source,
        bool_or(approximate) as any_child_approximate
    from child_facts
    group by boundary, vintage, parent_code, measure, key
)

select
    sums.boundary,
    sums.vintage,
    $level as level,
    sums.parent_code as unit_code,
    sums.measure,
    sums.key,
    sums.value::bigint as value,
    sums.source,
    sums.any_child_approximate and exists (
        select 1 from ref.admin_crosswalk as links
        where
            links.to_vintage = sums.vintage
            and links.to_code = sums.parent_code
            and links.from_level = $level
            and links.is_partial
    ) as approximate
from sums
inner join children_per_parent
    on sums.vintage = children_per_parent.vintage and sums.parent_code = children_per_parent.parent_code
where
    (sums.measure not in ('participants', 'denominator') or sums.n_with_fact = children_per_parent.n_children)
    and not exists (
        select 1 from period_facts as own
        where
            own.boundary = sums.boundary
            and own.level = $level
            and own.unit_code = sums.parent_code
            and own.measure = sums.measure
            and own.key = sums.key
    );
