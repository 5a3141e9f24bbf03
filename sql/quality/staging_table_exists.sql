-- Whether staging.$table exists yet: a check run before the first ingestion has nothing to validate.
-- staging.rolls is a view (over the month partitions), the other staging tables are tables.
select count(*) > 0 as present
from (
    select table_name from duckdb_tables()
    where schema_name = 'staging'
    union all
    select view_name as table_name from duckdb_views()
    where schema_name = 'staging'
) as staging_objects
where table_name = $table
