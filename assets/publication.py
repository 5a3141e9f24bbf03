"""Publication: the warehouse analysts open, replaced whole and atomically at the end of a run."""

import dagster as dg
import polars as pl

from assets.marts import MART_KEYS
from assets.reference import ADMIN_CROSSWALK_KEY, ADMIN_UNITS_KEY, BHYT_OBJECT_CODES_KEY
from pipeline.checks import markdown_table
from pipeline.resources import WarehouseResource
from pipeline.warehouse import publish, run_sql


@dg.asset(
    key="published_warehouse",
    group_name="publication",
    deps=[ADMIN_UNITS_KEY, ADMIN_CROSSWALK_KEY, BHYT_OBJECT_CODES_KEY, *MART_KEYS.values()],
    kinds={"duckdb"},
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """<data dir>/marts/coverage.duckdb, the warehouse analysts open read-only. Built beside the
    published file from the working database and renamed over it in one step, only after every
    blocking check upstream has passed: readers see the previous state or the new one, whole."""
    with warehouse.connect() as connection:
        # The marts exist (empty) even before any month was built: a data dir without raw data
        # publishes the reference tables and empty marts.
        run_sql(connection, "marts/create_mart_tables.sql")
        publication = publish(connection, warehouse.paths)
    counts = pl.DataFrame(
        {"table": list(publication.row_counts), "rows": list(publication.row_counts.values())}
    )
    context.log.info(f"published {publication.path} ({sum(publication.row_counts.values())} rows)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(publication.path)),
            "tables": dg.MetadataValue.md(markdown_table(counts, limit=50)),
            "seconds": round(publication.seconds, 2),
        }
    )
