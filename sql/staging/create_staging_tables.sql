-- The staging layer: every raw source after the raw contract's rules, pseudonymised, with the row it
-- came from. Tables accumulate (a roll month or a source is replaced in one transaction by ingestion),
-- so they are created only when missing. Person-level roll rows are not here: they live in one Parquet
-- file per month (sql/staging/rolls_view.sql).
create schema if not exists staging;

-- staging.rolls before any roll month is stored: the columns of sql/staging/rolls_view.sql, no rows
-- (read_parquet fails on a pattern that matches no file). Ingestion redefines it over the month files.
create view if not exists staging.rolls as
select
    null::date as period,
    null::date as vintage,
    null::uhugeint as person_key,
    null::ubigint as person_key_hi,
    null::ubigint as person_key_lo,
    null::varchar as scheme,
    null::varchar as commune_code,
    null::varchar as sex,
    null::smallint as birth_year,
    null::varchar as bhyt_object_code,
    null::date as valid_from,
    null::date as valid_to,
    null::boolean as is_active,
    null::boolean as code_remapped,
    null::boolean as in_both_bhxh,
    null::varchar as source_file,
    null::bigint as source_row
where false;

-- staging.residents before any register month is stored (sql/staging/residents_view.sql's columns).
create view if not exists staging.residents as
select
    null::date as period,
    null::date as vintage,
    null::uhugeint as person_key,
    null::ubigint as person_key_hi,
    null::ubigint as person_key_lo,
    null::varchar as commune_code,
    null::varchar as village,
    null::varchar as sex,
    null::smallint as birth_year,
    null::boolean as code_remapped,
    null::varchar as source_file,
    null::bigint as source_row
where false;

-- Rows accepted per raw file of each roll month, counted in the month's stored Parquet file when it
-- was written (the person-level rows themselves live in month partitions: see staging.rolls).
create table if not exists staging.roll_files (
    partition_key varchar not null,
    source_file varchar not null,
    accepted bigint not null
);

-- The same for each register month (raw/residents/YYYY-MM/).
create table if not exists staging.resident_files (
    partition_key varchar not null,
    source_file varchar not null,
    accepted bigint not null
);

-- What the last survey of raw/ found and no run reads (unknown folders, misnamed or future months,
-- files outside a month folder, symbolic links): replaced whole by the raw_inventory asset.
create table if not exists staging.unread_raw_paths (
    path varchar not null,
    reason varchar not null
);

-- The fingerprint of the pseudonym key each stored roll month was keyed with (pipeline/pseudonym.py):
-- months keyed with different keys cannot be compared, so a run with another key stops.
-- One row per month, by construction rather than by a key (a DuckLake table cannot have one): the
-- month's row is deleted (forget_roll_month.sql) before it is written, in the same transaction.
create table if not exists staging.roll_month_keys (
    partition_key varchar not null,
    key_fingerprint varchar not null
);

-- The same for each stored register month: its person keys must match the rolls' to mean anything.
create table if not exists staging.resident_month_keys (
    partition_key varchar not null,
    key_fingerprint varchar not null
);

create table if not exists staging.aggregates (
    as_of date not null,
    vintage date not null,
    unit_level varchar not null,
    unit_code varchar not null,
    scheme varchar not null,
    participants bigint not null,
    source_file varchar not null,
    source_row bigint not null
);

-- No CHECK constraint (a DuckLake table cannot have one): kind is set by the code that stages each
-- source, and a value that is not positive is quarantined (stg_denominators.sql).
create table if not exists staging.denominators (
    kind varchar not null,
    year integer not null,
    vintage date not null,
    unit_level varchar not null,
    unit_code varchar not null,
    value bigint not null,
    source varchar,
    source_file varchar not null,
    source_row bigint not null
);

create table if not exists staging.targets (
    year integer not null,
    vintage date not null,
    unit_level varchar not null,
    unit_code varchar not null,
    indicator varchar not null,
    target_pct double not null,
    due_date date not null,
    source_file varchar not null,
    source_row bigint not null
);

create table if not exists staging.plans (
    year integer not null,
    vintage date not null,
    unit_level varchar not null,
    unit_code varchar not null,
    scheme varchar not null,
    bhyt_object_code varchar,
    planned_new bigint not null,
    source_file varchar not null,
    source_row bigint not null
);

create table if not exists staging.quarantine (
    source varchar not null,
    partition_key varchar not null,
    source_file varchar not null,
    source_row bigint not null,
    rule varchar not null,
    column_name varchar,
    offending_value varchar
);

create table if not exists staging.ingested_files (
    source varchar not null,
    partition_key varchar not null,
    source_file varchar not null,
    file_sha256 varchar not null,
    rows_read bigint not null
);

-- For each file read: rows read, accepted (counted in the staging table) and quarantined.
create or replace view staging.row_ledger as
with accepted as (
    select
        'rolls' as source,
        partition_key,
        source_file,
        accepted
    from staging.roll_files
    union all
    select
        'residents' as source,
        partition_key,
        source_file,
        accepted
    from staging.resident_files
    union all
    select
        'aggregates' as source,
        '' as partition_key,
        source_file,
        count(*) as accepted
    from staging.aggregates
    group by source_file
    union all
    select
        kind as source,
        '' as partition_key,
        source_file,
        count(*) as accepted
    from staging.denominators
    group by kind, source_file
    union all
    select
        'targets' as source,
        '' as partition_key,
        source_file,
        count(*) as accepted
    from staging.targets
    group by source_file
    union all
    select
        'plans' as source,
        '' as partition_key,
        source_file,
        count(*) as accepted
    from staging.plans
    group by source_file
),

quarantined as (
    select
        source,
        partition_key,
        source_file,
        count(*) as quarantined
    from staging.quarantine
    group by source, partition_key, source_file
)

select
    files.source,
    files.partition_key,
    files.source_file,
    files.rows_read,
    coalesce(accepted.accepted, 0) as accepted,
    coalesce(quarantined.quarantined, 0) as quarantined
from staging.ingested_files as files
left join accepted
    on
        files.source = accepted.source
        and files.partition_key = accepted.partition_key
        and files.source_file = accepted.source_file
left join quarantined
    on
        files.source = quarantined.source
        and files.partition_key = quarantined.partition_key
        and files.source_file = quarantined.source_file;

-- Comments are single string literals: long lines are expected here.
-- noqa: disable=LT05
comment on table staging.roll_files is 'Rows accepted per raw file of each roll month, counted in the stored month partition when it was written.';
comment on table staging.resident_files is 'Rows accepted per raw file of each resident-register month, counted in the stored month partition when it was written.';
comment on table staging.resident_month_keys is 'Per stored resident-register month, the fingerprint of the pseudonym key that produced its person keys.';
comment on table staging.denominators is 'Population (kind population, the BHYT denominator) and working-age labour force (kind labour_force, the BHXH/BHTN denominator) per unit and year, in the vintage of the row.';
comment on table staging.quarantine is 'Rows rejected by ingestion: the source file and data row, the rule broken, the column and the offending value (never a raw identifier).';
comment on table staging.unread_raw_paths is 'Paths under raw/ (relative) that no run reads, and why: listed by the last raw_inventory run, warned by its every_raw_path_read check.';
comment on table staging.roll_month_keys is 'Per stored roll month, the fingerprint (a keyed hash of a fixed label, never the key) of the pseudonym key that produced its person keys.';
comment on table staging.ingested_files is 'Every raw file read, with its SHA-256 and number of data rows: rows_read = accepted + quarantined for every file.';
