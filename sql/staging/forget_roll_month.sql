-- A roll month whose folder is gone, or that is being replaced: its accepted-rows ledger goes (the
-- partition file itself is removed or replaced by ingestion in the same transaction).
delete from staging.roll_files
where partition_key = $partition_key;

delete from staging.roll_month_keys
where partition_key = $partition_key;
