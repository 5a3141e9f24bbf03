"""Publication: the warehouse analysts open, replaced whole and atomically at the end of a run."""

import dagster as dg
import polars as pl

from assets.marts import MART_KEYS
from assets.reference import ADMIN_CROSSWALK_KEY, ADMIN_UNITS_KEY, BHYT_OBJECT_CODES_KEY
from pipeline.checks import markdown_table
from pipeline.resources import WarehouseResource
from pipeline.warehouse import PUBLICATIONS, publish, run_sql


def _check_outcomes(context: dg.AssetExecutionContext) -> tuple[list[str], list[str]]:
    """The run's check results so far (every check upstream has run: publication comes last)."""
    records = context.instance.get_records_for_run(
        context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    passed, warned = [], []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        (passed if evaluation.passed else warned).append(name)
    return sorted(set(passed)), sorted(set(warned))


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
    passed, warned = _check_outcomes(context)
    with warehouse.connect() as connection:
        # The marts exist (empty) even before any month was built: a data dir without raw data
        # publishes the reference tables and empty marts.
        run_sql(connection, "marts/create_mart_tables.sql")
        run_sql(connection, "staging/create_staging_tables.sql")
        run_sql(connection, PUBLICATIONS.ddl)
        publication = publish(
            connection,
            warehouse.paths,
            record={"run_id": context.run_id, "checks_passed": passed, "checks_warned": warned},
        )
    counts = pl.DataFrame(
        {"table": list(publication.row_counts), "rows": list(publication.row_counts.values())}
    )
    context.log.info(f"published {publication.path} ({sum(publication.row_counts.values())} rows)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(publication.path)),
            "tables": dg.MetadataValue.md(markdown_table(counts, limit=50)),
            "seconds": round(publication.seconds, 2),
            "incremental": publication.incremental,
        }
    )
