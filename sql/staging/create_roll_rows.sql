-- Holding area for one roll month while its files are read: pseudonymised, normalised, not yet judged.
create or replace temp table roll_rows (
    source_file varchar,
    source_row bigint,
    person_key uhugeint,
    scheme varchar,
    commune_code varchar,
    sex_raw varchar,
    sex varchar,
    birth_year_raw varchar,
    birth_year bigint,
    bhyt_object_code varchar,
    valid_from_raw varchar,
    valid_from date,
    valid_to_raw varchar,
    valid_to date,
    vintage_raw varchar,
    vintage_declared date
);
