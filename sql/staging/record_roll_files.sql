-- Rows accepted per raw file of the month ($accepted_per_file: source_file, accepted), counted in the
-- month's stored Parquet file.
insert into staging.roll_files by name
select
    $partition_key as partition_key,
    source_file,
    accepted
from accepted_per_file;
