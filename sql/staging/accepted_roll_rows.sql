-- The accepted rows of the judged month (sql/staging/stg_rolls.sql), as ingestion writes them to one
-- Parquet file aside (moved into the month's partition only with its ledger rows). person_key is stored
-- as its two 64-bit halves (Parquet has no 128-bit integer); staging.rolls joins them.
select
    ruled.period_vintage as vintage,
    ruled.person_key_hi,
    ruled.person_key_lo,
    ruled.scheme,
    case
        when ruled.code_vintage < ruled.period_vintage then ruled.mapped_code else ruled.commune_code
    end as commune_code,
    ruled.sex,
    ruled.birth_year::smallint as birth_year,
    case when ruled.scheme = 'BHYT' then ruled.bhyt_object_code end as bhyt_object_code,
    ruled.valid_from,
    ruled.valid_to,
    coalesce(ruled.valid_from <= getvariable('month_period'), true)
    and coalesce(ruled.valid_to >= getvariable('month_period'), true) as is_active,
    ruled.code_vintage < ruled.period_vintage as code_remapped,
    coalesce(flags.in_both_bhxh, false) and ruled.scheme in ('BHXH_BB', 'BHXH_TN') as in_both_bhxh,
    ruled.source_file,
    ruled.source_row
from roll_rows_ruled as ruled
left join roll_person_flags as flags
    on ruled.person_key_hi = flags.person_key_hi and ruled.person_key_lo = flags.person_key_lo
anti join roll_repeats as repeats
    on ruled.source_file = repeats.source_file and ruled.source_row = repeats.source_row
where ruled.row_rule is null
