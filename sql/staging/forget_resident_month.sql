-- A register month whose folder is gone, or that is being replaced: its ledger rows go (the partition
-- file itself is removed or replaced by ingestion in the same transaction).
delete from staging.resident_files
where partition_key = $partition_key;

delete from staging.resident_month_keys
where partition_key = $partition_key;
