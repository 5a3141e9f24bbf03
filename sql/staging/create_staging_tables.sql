-- The staging layer: every raw source after the raw contract's rules, pseudonymised, with the row it
-- came from. Tables accumulate (a roll month or a source is replaced in one transaction by ingestion),
-- so they are created only when missing.
create schema if not exists staging;

create table if not exists staging.rolls (
    period date not null,
    vintage date not null,
    person_key uhugeint not null,
    scheme varchar not null,
    commune_code varchar not null,
    sex varchar,
    birth_year smallint,
    bhyt_object_code varchar,
    valid_from date,
    valid_to date,
    is_active boolean not null,
    code_remapped boolean not null,
    in_both_bhxh boolean not null,
    source_file varchar not null,
    source_row bigint not null
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

create table if not exists staging.denominators (
    kind varchar not null check (kind in ('population', 'labour_force')),
    year integer not null,
    vintage date not null,
    unit_level varchar not null,
    unit_code varchar not null,
    value bigint not null check (value > 0),
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
        strftime(period, '%Y-%m') as partition_key,
        source_file,
        count(*) as accepted
    from staging.rolls
    group by period, source_file
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
comment on table staging.rolls is 'Person-level roll rows accepted by ingestion, one per person, scheme and snapshot month. person_key is a keyed hash (HMAC-SHA-256, first 128 bits) of the raw identifier; no raw identifier or name is stored.';
comment on column staging.rolls.period is 'Snapshot date: last day of the roll month.';
comment on column staging.rolls.vintage is 'Boundary vintage of commune_code (the one in force on period).';
comment on column staging.rolls.commune_code is 'Commune in the vintage of the period; pre-reform codes with a whole crosswalk link are mapped (code_remapped).';
comment on column staging.rolls.is_active is 'valid_from <= period <= valid_to (open bounds allowed): counted as a participant.';
comment on column staging.rolls.in_both_bhxh is 'The person is in both BHXH_BB and BHXH_TN this month (a data error flagged, counted once in BHXH).';
comment on table staging.denominators is 'Population (kind population, the BHYT denominator) and working-age labour force (kind labour_force, the BHXH/BHTN denominator) per unit and year, in the vintage of the row.';
comment on table staging.quarantine is 'Rows rejected by ingestion: the source file and data row, the rule broken, the column and the offending value (never a raw identifier).';
comment on table staging.ingested_files is 'Every raw file read, with its SHA-256 and number of data rows: rows_read = accepted + quarantined for every file.';
