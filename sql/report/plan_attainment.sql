-- New participants of the year to date against the plan, per scheme (all object codes together). The
-- nation is assigned no plan of its own (its rows have no planned_new): it gets the sum over the provinces
-- (`summed`).
with own as (
    select
        scheme,
        new_participants,
        planned_new,
        attainment_pct,
        false as summed
    from marts.plan_attainment
    where
        period = $period
        and boundary = $boundary
        and level = $level
        and unit_code = $unit
        and bhyt_object_code is null
        and planned_new is not null
),

provinces as (
    select
        scheme,
        sum(new_participants) as new_participants,
        sum(planned_new) as planned_new,
        100.0 * sum(new_participants) / nullif(sum(planned_new), 0) as attainment_pct,
        true as summed
    from marts.plan_attainment
    where
        $level = 'nation'
        and period = $period
        and boundary = $boundary
        and level = 'province'
        and bhyt_object_code is null
        and not exists (select 1 from own)
    group by scheme
)

select * from (
    select * from own
    union all
    select * from provinces
) as plans
order by array_position(['BHYT', 'BHXH_BB', 'BHXH_TN', 'BHTN'], scheme), scheme;
