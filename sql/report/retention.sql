-- New, stopped and due-to-renew participants of the unit per scheme over the 12 months up to the period.
select
    period,
    scheme,
    continuing,
    new,
    stopped,
    due_next_month
from marts.retention
where
    boundary = $boundary
    and level = $level
    and unit_code = $unit
    and period <= $period
    and period > $period - interval 12 month
order by scheme, period;
