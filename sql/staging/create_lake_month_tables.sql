-- In a lake ($PIPELINE_LAKE_CATALOG), the person-level months are lake tables, one data file per
-- month: ingestion writes a month's file in the table's partition folder and registers it
-- (sql/staging/register_month_file.sql) in the transaction that deletes the month's previous rows
-- and writes its ledger, so a reader sees the month and its ledger change together, in one snapshot.
-- The columns are those of the files (sql/staging/accepted_roll_rows.sql,
-- accepted_resident_rows.sql) and the period, which the partition folder names. Run when a table is
-- missing (pipeline.warehouse.define_month_view); staging.rolls and staging.residents are views over
-- them.
create schema if not exists staging;

create table if not exists staging.rolls_months (
    period date,
    vintage date,
    person_key_hi ubigint,
    person_key_lo ubigint,
    scheme varchar,
    commune_code varchar,
    sex varchar,
    birth_year smallint,
    bhyt_object_code varchar,
    valid_from date,
    valid_to date,
    is_active boolean,
    code_remapped boolean,
    in_both_bhxh boolean,
    source_file varchar,
    source_row bigint
);

-- The SQL linter does not parse DuckLake's `set partitioned by` (hence noqa: PRS).
alter table staging.rolls_months set partitioned by (period); -- noqa: PRS

comment on table staging.rolls_months is 'The stored roll months of a lake, one registered data file per month (period=YYYY-MM-DD folders); read through the view staging.rolls.'; -- noqa: LT05

create table if not exists staging.residents_months (
    period date,
    vintage date,
    person_key_hi ubigint,
    person_key_lo ubigint,
    commune_code varchar,
    village varchar,
    sex varchar,
    birth_year smallint,
    code_remapped boolean,
    source_file varchar,
    source_row bigint
);

alter table staging.residents_months set partitioned by (period); -- noqa: PRS

comment on table staging.residents_months is 'The stored register months of a lake, one registered data file per month (period=YYYY-MM-DD folders); read through the view staging.residents.'; -- noqa: LT05
