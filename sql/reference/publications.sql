-- ref.publications: one row per publication of the warehouse (run history for analysts). It
-- accumulates in the working database and is published with everything else.
create schema if not exists ref;

create table if not exists ref.publications (
    -- No key (a DuckLake table cannot have one): the one publisher numbers them max + 1.
    publication_id bigint not null,
    published_at timestamptz not null,
    run_id varchar not null,
    first_period date,
    last_period date,
    periods integer not null,
    row_counts struct(table_name varchar, n_rows bigint)[] not null,
    input_files struct(source_file varchar, sha256 varchar, rows_read bigint)[] not null,
    checks_passed varchar[] not null,
    checks_warned varchar[] not null,
    rows_quarantined struct(source varchar, rule varchar, n_rows bigint)[],
    synthetic boolean
);

-- Columns added after the first release: an existing history (the working database's, or the copy an
-- incremental publication starts from) gains them, with NULL for earlier publications.
alter table ref.publications add column if not exists rows_quarantined struct(
    source varchar, rule varchar, n_rows bigint
)[];
alter table ref.publications add column if not exists synthetic boolean;

-- Comments are single string literals: long lines are expected here.
-- noqa: disable=LT05
comment on table ref.publications is 'Every publication of this warehouse: when, by which Dagster run, which periods, how many rows per table, which raw files (SHA-256) went in, and which checks passed or warned.';
comment on column ref.publications.periods is 'Number of months with rows in marts.coverage.';
comment on column ref.publications.row_counts is 'Rows per published table at this publication.';
comment on column ref.publications.input_files is 'Every raw file ingested, with its SHA-256 and data rows.';
comment on column ref.publications.checks_passed is 'Asset checks of the run that passed (asset:check).';
comment on column ref.publications.checks_warned is 'WARN-severity checks of the run that failed: published anyway, worth a look.';
comment on column ref.publications.publication_id is 'Sequence number of the publication, from 1.';
comment on column ref.publications.published_at is 'When the new warehouse file was built (UTC).';
comment on column ref.publications.run_id is 'The Dagster run that published it (see the run in the UI).';
comment on column ref.publications.first_period is 'Earliest period in marts.coverage.';
comment on column ref.publications.last_period is 'Latest period in marts.coverage.';
comment on column ref.publications.rows_quarantined is 'Rows held in quarantine at this publication, per source and rule (the reason); the rows themselves stay in the private working database.';
comment on column ref.publications.synthetic is 'TRUE when denominator files of the build declare themselves synthetic (their source column starts with "synthetic", as the generator writes): the figures are not real.';
