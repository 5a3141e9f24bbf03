-- Delete the files scheduled for deletion, which no remaining snapshot reads. One row per file.
call ducklake_cleanup_old_files($lake, cleanup_all => true);
