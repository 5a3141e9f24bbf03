-- Append this run's publication to ref.publications of the warehouse being built (run with that
-- database as the default one: ref.publications, marts.coverage and duckdb_tables() are the new
-- file's). The working database gets the row only after the new file is in place.
insert into ref.publications
with periods as (
    select
        min(period) as first_period,
        max(period) as last_period,
        count(distinct period) as n_periods
    from marts.coverage
),

files as (
    select
        list(
            { 'source_file': source_file, 'sha256': file_sha256, 'rows_read': rows_read }
            order by source_file
        ) as input_files
    from publication_inputs
),

published_tables as (
    select
        schema_name || '.' || table_name as table_name,
        estimated_size
    from duckdb_tables()
    where database_name = current_database() and schema_name in ('ref', 'marts')
),

counts as (
    select list({ 'table_name': table_name, 'n_rows': estimated_size } order by table_name) as row_counts
    from published_tables
)

select
    coalesce((select max(earlier.publication_id) from ref.publications as earlier), 0) + 1 as publication_id,
    current_timestamp as published_at,
    $run_id as run_id,
    periods.first_period,
    periods.last_period,
    periods.n_periods as periods,
    counts.row_counts,
    coalesce(files.input_files, []) as input_files,
    $checks_passed as checks_passed,
    $checks_warned as checks_warned
from periods, files, counts
