-- A table source's first staged rows, shown in the Dagster UI after ingestion: unit-level figures
-- (denominators, targets, plans, aggregates), never personal data. source_file starts with the
-- source's folder, which tells population from labour force in staging.denominators.
select *
from query_table($staged_table)
where starts_with(source_file, $source || '/')
order by source_file desc, source_row asc
limit $preview_rows
