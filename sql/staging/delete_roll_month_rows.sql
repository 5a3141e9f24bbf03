-- In a lake: a roll month's rows go (its file is dropped from the table, not rewritten); the same
-- transaction registers its new file, or forgets the month's ledger when its folder is gone.
delete from staging.rolls_months
where period = $period;
