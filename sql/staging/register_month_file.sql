-- In a lake: make a month's file, written in its table's partition folder, the month's rows. The
-- file is registered, not copied, and from then on the lake owns it (a later replacement deletes it
-- once no snapshot needs it). $lake is the attached lake's name; $table is rolls_months or
-- residents_months.
call ducklake_add_data_files($lake, $table, $month_file, schema => 'staging');
