-- Stored roll months keyed with another pseudonym key than $key_fingerprint (one row per other key).
-- Months stored before fingerprints were recorded are first assumed to have the key in use now: there
-- is nothing else to compare them with.
insert into staging.roll_month_keys (partition_key, key_fingerprint)
select distinct
    files.partition_key,
    $key_fingerprint
from staging.ingested_files as files
where
    files.source = 'rolls'
    and files.partition_key not in (select keys.partition_key from staging.roll_month_keys as keys);

select
    key_fingerprint,
    count(*) as months,
    min(partition_key) as first_month,
    max(partition_key) as last_month
from staging.roll_month_keys
where key_fingerprint != $key_fingerprint
group by key_fingerprint
order by first_month;
