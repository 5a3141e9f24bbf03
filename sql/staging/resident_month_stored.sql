-- Whether anything of a register month is recorded (accepted rows or files read).
select
    exists (
        select 1 from staging.resident_files
        where partition_key = $partition_key
    )
    or exists (
        select 1 from staging.ingested_files
        where source = $source and partition_key = $partition_key
    ) as stored
