-- Whether staging.$table exists yet: a check run before the first ingestion has nothing to validate.
select count(*) > 0 as present
from duckdb_tables()
where schema_name = 'staging' and table_name = $table
