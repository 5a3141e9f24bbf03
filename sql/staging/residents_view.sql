-- staging.residents: the resident register's rows accepted by ingestion, one per person and month. Like
-- staging.rolls, a DuckDB working database does not hold them: each month is one Parquet file under
-- <work dir>/residents/period=YYYY-MM-DD/part.parquet, written aside and renamed into place on its own;
-- a lake holds them in staging.residents_months. $residents_months is written by
-- pipeline.warehouse.define_month_view (a view's DDL takes no parameter).
create schema if not exists staging;

create or replace view staging.residents as
select
    period,
    vintage,
    (person_key_hi::uhugeint << 64) | person_key_lo::uhugeint as person_key,
    person_key_hi,
    person_key_lo,
    commune_code,
    village,
    sex,
    birth_year,
    code_remapped,
    source_file,
    source_row
from $residents_months;

comment on view staging.residents is 'The resident register accepted by ingestion, one row per person and month, read from one Parquet file per month. person_key is the same keyed hash as in staging.rolls (person_key_hi, person_key_lo: its two stored 64-bit halves, the cheaper join key). Names, addresses, phone numbers, household IDs and raw identifiers are never stored.'; -- noqa: LT05
