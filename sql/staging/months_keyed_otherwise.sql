-- Stored roll months keyed with another pseudonym key than $key_fingerprint (one row per other key).
select
    key_fingerprint,
    count(*) as months,
    min(partition_key) as first_month,
    max(partition_key) as last_month
from staging.roll_month_keys
where key_fingerprint != $key_fingerprint
group by key_fingerprint
order by first_month;
