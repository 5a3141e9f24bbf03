-- staging.rolls: person-level roll rows accepted by ingestion, one per person, scheme and snapshot
-- month. In a DuckDB working database they are not held in it: each month is one Parquet file under
-- <work dir>/rolls/period=YYYY-MM-DD/part.parquet, written aside and renamed into place on its own
-- (so a month's cost does not grow with the history held). In a lake ($PIPELINE_LAKE_CATALOG) they
-- are the lake table staging.rolls_months (sql/staging/create_lake_month_tables.sql), whose month
-- files are registered, not copied. Either way a filter on period is a choice of files: a query for
-- one month opens that month only. person_key is put back together from its two stored halves, which
-- are there too: joining on them is several times cheaper than on the 128-bit value built for every
-- row (a semi-join of one commune's residents with a national roll month: 1.9 s against 7.1 s).
-- $rolls_months, where the months are read from, is the only text written into SQL by code (a view's
-- DDL cannot take a bound parameter): pipeline.warehouse.define_month_view writes the file pattern,
-- quoted, or the table's name.
create schema if not exists staging;

create or replace view staging.rolls as
select
    period,
    vintage,
    (person_key_hi::uhugeint << 64) | person_key_lo::uhugeint as person_key,
    person_key_hi,
    person_key_lo,
    scheme,
    commune_code,
    sex,
    birth_year,
    bhyt_object_code,
    valid_from,
    valid_to,
    is_active,
    code_remapped,
    in_both_bhxh,
    source_file,
    source_row
from $rolls_months;

comment on view staging.rolls is 'Person-level roll rows accepted by ingestion, one per person, scheme and snapshot month, read from one Parquet file per month. person_key is a keyed hash (HMAC-SHA-256, first 128 bits) of the raw identifier (person_key_hi, person_key_lo: its two stored 64-bit halves, the cheaper join key); no raw identifier or name is stored.'; -- noqa: LT05
