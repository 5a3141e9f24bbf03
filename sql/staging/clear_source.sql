-- Forget what a previous ingestion of this source (and roll month) quarantined and read; the rules
-- file of the source replaces its accepted rows in the same transaction.
delete from staging.quarantine
where source = $source and partition_key = $partition_key;

delete from staging.ingested_files
where source = $source and partition_key = $partition_key;
