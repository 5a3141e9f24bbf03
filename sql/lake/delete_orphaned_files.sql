-- Delete files in the lake's data path that it does not list, older than a day: month files written
-- by a process killed before its commit. A month's file is unlisted while it is being registered (a
-- few minutes for a national month), hence the day. One row per file.
call ducklake_delete_orphaned_files($lake, older_than => now() - interval 1 day);
