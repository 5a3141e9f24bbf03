-- The accepted rows of the judged register month (sql/staging/stg_residents.sql), as ingestion writes
-- them to one Parquet file aside (moved into the month's partition only with its ledger rows). It is
-- also the index of the raw register by commune: source_file and source_row say where each accepted
-- resident is, so the outreach command reads one commune's raw rows only. person_key is stored as its
-- two 64-bit halves, like the rolls'.
select
    ruled.period_vintage as vintage,
    ruled.person_key_hi,
    ruled.person_key_lo,
    case
        when ruled.code_vintage < ruled.period_vintage then ruled.mapped_code else ruled.commune_code
    end as commune_code,
    ruled.village,
    ruled.sex,
    ruled.birth_year::smallint as birth_year,
    ruled.code_vintage < ruled.period_vintage as code_remapped,
    ruled.source_file,
    ruled.source_row
from resident_rows_ruled as ruled
anti join resident_repeats as repeats
    on ruled.source_file = repeats.source_file and ruled.source_row = repeats.source_row
where ruled.row_rule is null
