-- What judging one roll month left on the connection.
drop view if exists roll_rows_ruled;

drop table if exists roll_quarantine;

drop table if exists roll_repeats;

drop table if exists roll_person_flags;

drop table if exists roll_code_lookup;

drop table if exists roll_declared;

drop table if exists roll_vintages;
