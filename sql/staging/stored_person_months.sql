-- Every stored person-level month (rolls and resident registers) and the fingerprint of the key it
-- was made with (NULL for a roll month stored before fingerprints were recorded), for key rotation.
with month_keys as (
    select
        'rolls' as source,
        partition_key,
        key_fingerprint
    from staging.roll_month_keys
    union all
    select
        'residents' as source,
        partition_key,
        key_fingerprint
    from staging.resident_month_keys
)

select
    files.source,
    files.partition_key,
    any_value(month_keys.key_fingerprint) as key_fingerprint
from staging.ingested_files as files
left join month_keys
    on files.source = month_keys.source and files.partition_key = month_keys.partition_key
where files.source in ('rolls', 'residents')
group by files.source, files.partition_key
order by files.partition_key, files.source;
