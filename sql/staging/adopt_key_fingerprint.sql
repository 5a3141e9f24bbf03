-- Months stored before fingerprints were recorded (working databases of layout version 1) are
-- assumed to have the key in use now ($key_fingerprint): there is nothing else to compare them with.
insert into staging.roll_month_keys (partition_key, key_fingerprint)
select distinct
    files.partition_key,
    $key_fingerprint
from staging.ingested_files as files
where
    files.source = 'rolls'
    and files.partition_key not in (select keys.partition_key from staging.roll_month_keys as keys);
