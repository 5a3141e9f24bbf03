-- Every stored roll month and the fingerprint of the key it was made with (NULL for a month stored
-- before fingerprints were recorded), for key rotation.
select
    files.partition_key,
    any_value(keys.key_fingerprint) as key_fingerprint
from staging.ingested_files as files
left join staging.roll_month_keys as keys
    on files.partition_key = keys.partition_key
where files.source = 'rolls'
group by files.partition_key
order by files.partition_key;
