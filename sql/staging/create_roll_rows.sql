-- Holding area for one roll month while its files are read: pseudonymised, normalised, not yet
-- judged. A regular table, not a temporary one: DuckDB can evict and spill it, so a national month
-- (~140 million rows) does not have to fit in memory. Raw text columns hold values only where
-- parsing failed. Dropped when the month is judged.
set preserve_insertion_order = false;

create or replace table staging.roll_rows_pending (
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
