-- A roll month whose folder is gone: nothing of it stays in staging.
delete from staging.rolls
where period = $period;
