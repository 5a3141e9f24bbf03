-- Stored person-level months (rolls and resident registers) keyed with another pseudonym key than
-- $key_fingerprint (one row per other key).
with month_keys as (
    select
        partition_key,
        key_fingerprint
    from staging.roll_month_keys
    union all
    select
        partition_key,
        key_fingerprint
    from staging.resident_month_keys
)

select
    key_fingerprint,
    count(distinct partition_key) as months,
    min(partition_key) as first_month,
    max(partition_key) as last_month
from month_keys
where key_fingerprint != $key_fingerprint
group by key_fingerprint
order by first_month;
