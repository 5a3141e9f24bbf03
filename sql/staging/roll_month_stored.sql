-- Whether anything of a roll month is stored (accepted rows, quarantine or files read).
select
    exists (
        select 1 from staging.rolls
        where period = $period
    )
    or exists (
        select 1 from staging.ingested_files
        where source = $source and partition_key = $partition_key
    ) as stored
