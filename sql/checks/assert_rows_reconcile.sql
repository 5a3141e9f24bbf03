-- Catches: a raw file of the source whose rows read differ from rows accepted plus rows quarantined,
-- i.e. a row silently dropped or counted twice by ingestion.
select
    source_file,
    partition_key,
    rows_read,
    accepted,
    quarantined,
    rows_read - accepted - quarantined as unaccounted
from staging.row_ledger
where source = $source and rows_read != accepted + quarantined
order by partition_key, source_file
