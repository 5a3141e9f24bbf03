-- A roll month that failed to load leaves no holding table behind.
drop table if exists staging.roll_rows_pending;
