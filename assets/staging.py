"""Staging: every raw source of the raw contract, parsed, normalised, pseudonymised and judged row by
row; accepted rows in staging.<source>, the rest in staging.quarantine with the reason."""

import time
from collections import Counter

import dagster as dg
import polars as pl

from assets._checks import (
    OWNERS,
    PREVIEW_ROWS,
    markdown_table,
    sql_check_description,
    ui_metadata,
)
from assets.reference import ADMIN_CROSSWALK_KEY, ADMIN_UNITS_KEY, BHYT_OBJECT_CODES_KEY
from pipeline import ingest
from pipeline.partitions import MONTHLY
from pipeline.progress import over_months
from pipeline.raw_io import survey_raw
from pipeline.resources import PERSON_MONTHS_POOL, WAREHOUSE_POOL, PseudonymKeyResource, WarehouseResource
from pipeline.runner import REKEY_TAG
from pipeline.warehouse import define_month_view, define_tables, recording_sql, run_sql

REFERENCE_DEPS = [ADMIN_UNITS_KEY, ADMIN_CROSSWALK_KEY, BHYT_OBJECT_CODES_KEY]
ROLLS_KEY = dg.AssetKey(["staging", "rolls"])
RESIDENTS_KEY = dg.AssetKey(["staging", "residents"])
RAW_INVENTORY_KEY = dg.AssetKey(["staging", "raw_inventory"])
UNREAD_SQL = "checks/warn_unread_raw_paths.sql"
# Staged tables guarded by a Great Expectations suite (assets/quality.py) show the kind too.
STAGED_KINDS = {"duckdb", "polars", "sql", "great_expectations"}


def _file_table(reports: list[ingest.IngestReport]) -> str:
    """Rows in, accepted and quarantined per file (paths and counts only: no personal data)."""
    rows = [{"file": f.relative, "rows_read": f.rows} for report in reports for f in report.files]
    return markdown_table(pl.DataFrame(rows, schema={"file": pl.String, "rows_read": pl.Int64}), limit=50)


def _metadata(
    reports: list[ingest.IngestReport], started: float, sql_files: list[str], preview: pl.DataFrame
) -> dict:
    quarantine = ingest.summarise_quarantine(reports)
    rows_read = sum(r.rows_read for r in reports)
    accepted = sum(r.accepted for r in reports)
    return {
        "rows_read": rows_read,
        "rows_accepted": accepted,
        "rows_quarantined": sum(quarantine.values()),
        "files": sum(len(r.files) for r in reports),
        "quarantine_by_rule": dg.MetadataValue.md(
            markdown_table(pl.DataFrame({"rule": list(quarantine), "rows": list(quarantine.values())}))
            if quarantine
            else "nothing quarantined"
        ),
        "files_read": dg.MetadataValue.md(_file_table(reports)),
        **ui_metadata(sql_files, started, preview),
    }


def _months_table(reports: list[ingest.IngestReport]) -> pl.DataFrame:
    """Per month delivered: rows in, accepted, quarantined (counts only; person rows are never shown)."""
    rows = [
        {
            "month": r.partition_key,
            "rows_read": r.rows_read,
            "accepted": r.accepted,
            "quarantined": r.quarantined,
            "codes_remapped": r.remapped_codes,
            "seconds": round(r.seconds, 2),
        }
        for r in reports
        if r.files
    ]
    schema = {
        "month": pl.String,
        **dict.fromkeys(["rows_read", "accepted", "quarantined", "codes_remapped"], pl.Int64),
    }
    return pl.DataFrame(rows, schema={**schema, "seconds": pl.Float64}).sort("month", descending=True)


def _ingest_months(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    pseudonym_key: PseudonymKeyResource,
    month_source: ingest.MonthSource,
) -> dg.MaterializeResult:
    """Ingest every month of the run's partition range of a person-level source (rolls, residents)."""
    started = time.perf_counter()
    reports = []
    key = pseudonym_key.value(warehouse.paths)
    # Key rotation (python -m pipeline rotate-key) re-keys every stored month in this one run.
    rekey = context.run.tags.get(REKEY_TAG) == "true"
    store = month_source.store(warehouse.paths)
    with warehouse.connect() as connection, recording_sql() as sql_files:
        define_tables(connection, "staging/create_staging_tables.sql")
        # Over the month files present now (the data dir may have moved since the view was made).
        define_month_view(connection, month_source.name, store)
        for partition_key in over_months(context.partition_keys, month_source.name):
            report = ingest.ingest_month(
                connection,
                warehouse.paths.raw,
                month_source,
                partition_key,
                progress=context.log.debug,
                store=store,
                key=key,
                rekey=rekey,
            )
            if report.files:
                context.log.info(
                    f"{month_source.name} {partition_key}: {report.rows_read:,} rows read, "
                    f"{report.accepted:,} accepted, {report.quarantined:,} quarantined, "
                    f"{report.remapped_codes:,} codes remapped ({report.seconds:.1f} s)"
                )
            reports.append(report)
    delivered = [r.partition_key for r in reports if r.files]
    # The latest months first; the preview is counts per month, never a person-level row.
    metadata = _metadata(reports, started, sql_files, _months_table(reports))
    metadata[f"months_with_{'a_roll' if month_source is ingest.ROLL_MONTHS else 'a_register'}"] = len(
        delivered
    )
    metadata["codes_remapped"] = sum(r.remapped_codes for r in reports)
    stages = sum((r.stage_seconds for r in reports), Counter())
    metadata.update({f"seconds_{stage}": round(seconds, 2) for stage, seconds in stages.items()})
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=ROLLS_KEY,
    pool=PERSON_MONTHS_POOL,
    group_name="staging",
    deps=REFERENCE_DEPS,
    partitions_def=MONTHLY,
    # A backfill of many months runs as one run over the range, not one run per month.
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds=STAGED_KINDS,
    owners=OWNERS,
)
def rolls(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, pseudonym_key: PseudonymKeyResource
) -> dg.MaterializeResult:
    """Person-level participant rolls of raw/rolls/YYYY-MM/, one partition per snapshot month.
    Identifiers are replaced by a keyed hash (HMAC-SHA-256) as each file is read; codes resolve in the
    vintage in force on the snapshot date (pre-reform codes with a whole crosswalk link are mapped);
    duplicates, unknown codes, invalid object codes, impossible birth years… are quarantined. A month is
    replaced whole in one transaction; a month without a folder is emptied."""
    return _ingest_months(context, warehouse, pseudonym_key, ingest.ROLL_MONTHS)


@dg.asset(
    key=RESIDENTS_KEY,
    pool=PERSON_MONTHS_POOL,
    group_name="staging",
    # After the same month's roll, though it does not read it: a month's person-level steps then
    # hold one worker at a time, so a backfill on several workers spreads months over them, rather
    # than one month's two sources taking every worker while the next month waits.
    deps=[*REFERENCE_DEPS, ROLLS_KEY],
    partitions_def=MONTHLY,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"duckdb", "polars", "sql"},
    owners=OWNERS,
)
def residents(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, pseudonym_key: PseudonymKeyResource
) -> dg.MaterializeResult:
    """The resident register of raw/residents/YYYY-MM/ (optional), one partition per month: who lives
    in each commune and village. Identifiers and household IDs are replaced by keyed hashes with the
    rolls' key as each file is read; names, addresses and phone numbers are never read. Codes resolve
    like the rolls'; a person listed twice, a missing village, an impossible birth year… are
    quarantined. A month is replaced whole in one transaction; a month without a folder is emptied."""
    return _ingest_months(context, warehouse, pseudonym_key, ingest.RESIDENT_MONTHS)


def _table_source_asset(source: ingest.Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=["staging", source.name],
        pool=WAREHOUSE_POOL,
        group_name="staging",
        deps=REFERENCE_DEPS,
        kinds=STAGED_KINDS,
        owners=OWNERS,
        description=(
            f"raw/{source.name}/ after the raw contract's rules: codes resolved in their boundary vintage, "
            f"invalid and duplicate rows quarantined with the reason. Replaced whole at each run."
        ),
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        started = time.perf_counter()
        with warehouse.connect() as connection, recording_sql() as sql_files:
            define_tables(connection, "staging/create_staging_tables.sql")
            report = ingest.ingest_table_source(connection, warehouse.paths.raw, source)
            preview = run_sql(
                connection,
                "staging/preview_source.sql",
                {"staged_table": source.table, "source": source.name, "preview_rows": PREVIEW_ROWS},
            ).pl()
        context.log.info(
            f"{source.name}: {report.rows_read:,} rows read, {report.accepted:,} accepted, "
            f"{report.quarantined:,} quarantined"
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": report.accepted,
                **_metadata([report], started, sql_files, preview),
            }
        )

    return _asset


aggregates = _table_source_asset(ingest.AGGREGATES)
population = _table_source_asset(ingest.POPULATION)
labour_force = _table_source_asset(ingest.LABOUR_FORCE)
targets = _table_source_asset(ingest.TARGETS)
plans = _table_source_asset(ingest.PLANS)


@dg.asset(
    key=RAW_INVENTORY_KEY,
    group_name="staging",
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=WAREHOUSE_POOL,
)
def raw_inventory(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every file and folder under raw/ that no run reads (unknown or misspelled source folders, roll
    folders that are not a month or lie outside the partitions, files outside a month folder, symbolic
    links), in staging.unread_raw_paths; the every_raw_path_read check warns when there is any."""
    started = time.perf_counter()
    unread = survey_raw(
        warehouse.paths.raw, MONTHLY.get_first_partition_key(), MONTHLY.get_last_partition_key()
    )
    frame = pl.DataFrame(
        {"path": [u.path for u in unread], "reason": [u.reason for u in unread]},
        schema={"path": pl.String, "reason": pl.String},
    )
    with warehouse.connect() as connection, recording_sql() as sql_files:
        define_tables(connection, "staging/create_staging_tables.sql")
        run_sql(connection, "staging/record_unread_paths.sql", frames={"unread": frame})
    for item in unread:
        context.log.warning(f"raw/{item.path}: not read ({item.reason})")
    return dg.MaterializeResult(
        metadata={
            "unread_paths": len(unread),
            "unread": dg.MetadataValue.md(
                markdown_table(frame, limit=50) if unread else "everything is read"
            ),
            **ui_metadata(sql_files, started),
        }
    )


@dg.asset_check(
    asset=raw_inventory,
    pool=WAREHOUSE_POOL,
    name="every_raw_path_read",
    blocking=False,
    description=sql_check_description(UNREAD_SQL),
)
def every_raw_path_read(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as connection:
        unread = run_sql(connection, UNREAD_SQL).fetchall()
    return dg.AssetCheckResult(
        passed=not unread,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "offending_rows": len(unread),
            # Named one per line so the command line can print them (paths, never content).
            "paths": dg.MetadataValue.text("\n".join(f"raw/{path}: {reason}" for path, reason in unread)),
        },
    )
