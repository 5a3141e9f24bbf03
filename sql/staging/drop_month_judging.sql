-- What judging one person-level month (rolls or residents) left on the connection.
drop view if exists roll_rows_ruled;

drop view if exists resident_rows_ruled;

drop view if exists month_rows_located;

drop table if exists roll_quarantine;

drop table if exists roll_repeats;

drop table if exists roll_person_flags;

drop table if exists resident_quarantine;

drop table if exists resident_repeats;

drop table if exists month_code_lookup;

drop table if exists month_declared;

drop table if exists month_vintages;
