-- Record the raw files a run read ($files: source, partition_key, source_file, file_sha256, rows_read),
-- by column name so a reordered frame or table cannot swap same-typed columns.
insert into staging.ingested_files by name
select
    source,
    partition_key,
    source_file,
    file_sha256,
    rows_read
from files;
