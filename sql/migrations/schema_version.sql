-- The layout version of the working database (pipeline/warehouse.py: SCHEMA_VERSION). Tables are
-- created `if not exists`, so without it a changed table would never reach an existing database.
create schema if not exists staging;

create table if not exists staging.schema_version (
    version integer not null,
    applied_at timestamp not null default current_timestamp
);

select
    max(version) as version,
    (
        select count(*)
        from duckdb_tables() as existing
        where
            existing.database_name = current_database()
            and existing.schema_name in ('ref', 'staging', 'marts', 'publication')
            and existing.table_name != 'schema_version'
    ) as other_tables
from staging.schema_version;
