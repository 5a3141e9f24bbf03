"""Publication: the warehouse analysts open, replaced whole and atomically at the end of a run."""

import time

import dagster as dg
import polars as pl
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from assets._checks import OWNERS, ui_metadata
from assets.marts import MART_KEYS
from assets.reference import ADMIN_CROSSWALK_KEY, ADMIN_UNITS_KEY, BHYT_OBJECT_CODES_KEY
from pipeline.marts import BLOCKING_MART_CHECKS
from pipeline.resources import WAREHOUSE_POOL, WarehouseResource
from pipeline.warehouse import PUBLICATIONS, define_tables, publish, recording_sql


def _check_outcomes(context: dg.AssetExecutionContext) -> tuple[list[str], list[str]]:
    """The run's check results so far (every check upstream has run: publication comes last)."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    passed, warned = [], []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        (passed if evaluation.passed else warned).append(name)
    return sorted(set(passed)), sorted(set(warned))


def _latest_failed_mart_checks(context: dg.AssetExecutionContext) -> list[str]:
    """Blocking mart checks whose latest evaluation, in any run, failed. A run whose checks fail never
    reaches publication, but publication can be launched on its own (UI, publish job): it must not ship
    marts their checks rejected. (Dagster has no public API for a check's history; the storage method
    is the one its UI uses.)"""
    decided = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}
    failed = []
    for check in BLOCKING_MART_CHECKS:
        key = dg.AssetCheckKey(MART_KEYS[check.mart], check.name)
        latest = context.instance.event_log_storage.get_asset_check_execution_history(
            key, limit=1, status=decided
        )
        if latest and latest[0].status == AssetCheckExecutionRecordStatus.FAILED:
            failed.append(f"marts/{check.mart}:{check.name}")
    return failed


@dg.asset(
    key="published_warehouse",
    pool=WAREHOUSE_POOL,
    group_name="publication",
    deps=[ADMIN_UNITS_KEY, ADMIN_CROSSWALK_KEY, BHYT_OBJECT_CODES_KEY, *MART_KEYS.values()],
    kinds={"duckdb", "sql"},
    owners=OWNERS,
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """<data dir>/marts/coverage.duckdb, the warehouse analysts open read-only. Built beside the
    published file from the working database and renamed over it in one step, only after every
    blocking check upstream has passed: readers see the previous state or the new one, whole."""
    started = time.perf_counter()
    refused = _latest_failed_mart_checks(context)
    if refused:
        raise dg.Failure(
            description=f"not published: the latest evaluation of {', '.join(refused)} failed; rebuild the "
            "marts (python -m pipeline run) so that their checks pass, then publish",
        )
    passed, warned = _check_outcomes(context)
    with warehouse.connect() as connection, recording_sql() as sql_files:
        # The marts exist (empty) even before any month was built: a data dir without raw data
        # publishes the reference tables and empty marts.
        define_tables(connection, "marts/create_mart_tables.sql")
        define_tables(connection, "staging/create_staging_tables.sql")
        define_tables(connection, PUBLICATIONS.ddl)
        publication = publish(
            connection,
            warehouse.paths,
            record={"run_id": context.run.run_id, "checks_passed": passed, "checks_warned": warned},
        )
    counts = pl.DataFrame(
        {"table": list(publication.row_counts), "rows": list(publication.row_counts.values())}
    )
    context.log.info(f"published {publication.path} ({sum(publication.row_counts.values())} rows)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(publication.path)),
            "incremental": publication.incremental,
            "dagster/row_count": int(counts["rows"].sum()),
            # The preview: each table published and its rows.
            **ui_metadata(sql_files, started, counts),
        }
    )
