-- The lake's snapshots older than $keep_days days are forgotten: time travel to them ends, and the
-- files only they read (months replaced since, by a re-delivery or a key rotation) are scheduled for
-- deletion. One row per snapshot expired.
call ducklake_expire_snapshots($lake, older_than => now() - $keep_days * interval 1 day);
