-- Append this run's publication to ref.publications of the warehouse being built (run with that
-- database as the default one: ref.publications and marts.coverage are the new
-- file's; $row_counts are exact counts taken by publication, as table statistics count deleted rows,
-- and the count of ref.publications includes the row appended here).
-- The working database gets the row only after the new file is in place.
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

quarantine as (
    select
        list(
            { 'source': source, 'rule': rule, 'n_rows': n_rows }
            order by source, rule
        ) as rows_quarantined
    from publication_quarantine
)

select
    coalesce((select max(earlier.publication_id) from ref.publications as earlier), 0) + 1 as publication_id,
    current_timestamp as published_at,
    $run_id as run_id,
    periods.first_period,
    periods.last_period,
    periods.n_periods as periods,
    $row_counts::struct(table_name varchar, n_rows bigint)[] as row_counts,
    coalesce(files.input_files, []) as input_files,
    $checks_passed as checks_passed,
    $checks_warned as checks_warned,
    coalesce(quarantine.rows_quarantined, []) as rows_quarantined,
    labels.synthetic
from periods, files, quarantine, publication_labels as labels
