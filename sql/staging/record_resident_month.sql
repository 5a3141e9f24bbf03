-- Record one judged register month in the ledger (inside the transaction that also swaps its Parquet
-- file into place): the fingerprint of the key its person keys were made with, its quarantined rows
-- and the rows accepted per raw file ($accepted_per_file: source_file, accepted), counted in the
-- month's written Parquet file.
-- A plain insert: forget_resident_month.sql deleted the month's row earlier in this transaction.
insert into staging.resident_month_keys (partition_key, key_fingerprint)
values ($partition_key, $key_fingerprint);

insert into staging.quarantine (
    source, partition_key, source_file, source_row, rule, column_name, offending_value
)
select
    'residents' as source,
    $partition_key as partition_key,
    source_file,
    source_row,
    rule,
    column_name,
    offending_value
from resident_quarantine;

insert into staging.resident_files by name
select
    $partition_key as partition_key,
    source_file,
    accepted
from accepted_per_file;
