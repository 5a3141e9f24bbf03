-- What the publication record says about its inputs, from the working database, in temp tables that
-- record_publication.sql reads while the new warehouse is the default database: the raw files (with
-- their SHA-256), the rows in quarantine per source and rule, and whether the data is synthetic.
create or replace temp table publication_inputs as
select
    source_file,
    file_sha256,
    rows_read
from staging.ingested_files;

create or replace temp table publication_quarantine as
select
    source,
    rule,
    count(*) as n_rows
from staging.quarantine
group by source, rule;

-- The generator writes "synthetic: ..." in the source column of every denominator row.
create or replace temp table publication_labels as
select coalesce(bool_or(starts_with(lower(source), 'synthetic')), false) as synthetic
from staging.denominators;
