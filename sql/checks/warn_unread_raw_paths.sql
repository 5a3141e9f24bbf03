-- Catches: files and folders under raw/ that no run reads (an unknown or misspelled source folder, a
-- roll folder that is not a month or lies in the future, a file outside a month folder, a symbolic
-- link), so a delivery is never ignored without a word.
select
    path,
    reason
from staging.unread_raw_paths
order by path;
