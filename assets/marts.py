"""The coverage marts (marts contract), one partition per month, built together from one set of
period facts so that the marts always agree."""

import time

import dagster as dg
import polars as pl

from assets._checks import (
    OWNERS,
    PREVIEW_ROWS,
    CheckPart,
    checks_step,
    markdown_table,
    sql_check,
    ui_metadata,
)
from assets.reference import ADMIN_CROSSWALK_KEY, ADMIN_UNITS_KEY, BHYT_OBJECT_CODES_KEY
from assets.staging import RESIDENTS_KEY, ROLLS_KEY
from pipeline.marts import BLOCKING_MART_CHECKS, MART_SQL, MartCheck, build_period
from pipeline.months import month_end
from pipeline.partitions import MONTHLY
from pipeline.progress import over_months
from pipeline.resources import WAREHOUSE_POOL, WarehouseResource
from pipeline.warehouse import define_tables, recording_sql, run_sql

MART_KEYS = {name: dg.AssetKey(["marts", name]) for name in MART_SQL}
COVERAGE_KEY = MART_KEYS["coverage"]
UNPARTITIONED_INPUTS = [
    dg.AssetKey(["staging", name])
    for name in ("aggregates", "population", "labour_force", "targets", "plans")
]
DESCRIPTIONS = {
    "coverage": "Coverage of bhxh, bhxh_bb, bhxh_tn, bhtn (over the working-age labour force) and bhyt (over "
    "the population) at nation, province, district and commune level, against each unit's target, with "
    "the persons still needed; on the units of the period and on today's units.",
    "plan_attainment": "New participants of the year to date (absent from the scheme at the previous "
    "December) against the plan assigned to each unit, also per BHYT object code such as household GD.",
    "bhyt_groups": "Active BHYT participants per object code and per group (1-5) of the Law on Health "
    "Insurance.",
    "retention": "Per scheme: continuing, new and stopped participants against the previous month, and "
    "active rows due to renew next month.",
    "completeness": "Who delivered: each unit and indicator with how its figure arrived (roll, aggregate, "
    "mixed or nothing) and how many of its sub-units and communes have one, so a missing figure can be "
    "traced to the units that did not report.",
    "projection": "Pace to the year-end target: net new participants per month (last 12 months, or since "
    "January), the coverage projected for 31 December, whether it meets the target, and the net new "
    "participants needed per remaining month.",
    "outreach": "Who a commune still has to reach, village by village, from the resident register: "
    "residents, working-age residents, residents without BHYT, working-age residents without BHXH, "
    "cards lapsed in the last three months and cards due to renew next month. Counts only; no rows for a "
    "month without a register.",
}


@dg.multi_asset(
    pool=WAREHOUSE_POOL,
    specs=[
        dg.AssetSpec(
            key,
            description=DESCRIPTIONS[name],
            group_name="marts",
            kinds={"duckdb", "sql"},
            owners=OWNERS,
            # The month's roll (the mart also reads the previous month and December for retention and
            # new participants, and three months back for lapsed cards) and register, plus the yearly
            # inputs and the reference data.
            deps=[
                ROLLS_KEY,
                RESIDENTS_KEY,
                *UNPARTITIONED_INPUTS,
                ADMIN_UNITS_KEY,
                ADMIN_CROSSWALK_KEY,
                BHYT_OBJECT_CODES_KEY,
            ],
        )
        for name, key in MART_KEYS.items()
    ],
    partitions_def=MONTHLY,
    backfill_policy=dg.BackfillPolicy.single_run(),
    name="coverage_marts",
)
def coverage_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Build the marts for every month of the run; a month without any roll or aggregate ends with
    no rows."""
    started = time.perf_counter()
    builds = []
    previews: dict[str, pl.DataFrame] = {}
    with warehouse.connect() as connection, recording_sql() as sql_files:
        define_tables(connection, "marts/create_mart_tables.sql")
        for partition_key in over_months(context.partition_keys, "marts"):
            build = build_period(connection, partition_key)
            if any(build.rows.values()):
                context.log.info(
                    f"marts {partition_key}: "
                    + ", ".join(f"{mart} {count:,}" for mart, count in build.rows.items())
                    + f" rows ({build.seconds:.1f} s)"
                )
            builds.append(build)
        with_rows = [b for b in builds if any(b.rows.values())]
        if with_rows:
            # The latest month built, as each mart now holds it.
            previews = {
                name: run_sql(
                    connection,
                    "marts/preview_period.sql",
                    {
                        "mart_table": f"marts.{name}",
                        "period": month_end(max(b.partition_key for b in with_rows)),
                        "preview_rows": PREVIEW_ROWS,
                    },
                ).pl()
                for name in MART_SQL
            }
    per_period = pl.DataFrame(
        [{"period": b.partition_key, **b.rows, "seconds": round(b.seconds, 2)} for b in with_rows],
        schema={"period": pl.String, **{m: pl.Int64 for m in MART_SQL}, "seconds": pl.Float64},
    )
    for name, key in MART_KEYS.items():
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "rows_built": int(per_period[name].sum()) if with_rows else 0,
                "periods_with_data": len(with_rows),
                "per_period": dg.MetadataValue.md(
                    markdown_table(per_period.select("period", name, "seconds"), 24)
                ),
                **ui_metadata(sql_files, started, previews.get(name, pl.DataFrame())),
            },
        )


def _blocking(check: MartCheck) -> CheckPart:
    # The same SQL already ran on each period before its commit (pipeline/marts.py); here it covers
    # every period built since the last publication, and shows its result on the asset.
    return sql_check(MART_KEYS[check.mart], check.name, check.sql, {**dict(check.params), "period": None})


mart_checks = checks_step(
    "mart_checks",
    [
        *(_blocking(check) for check in BLOCKING_MART_CHECKS),
        sql_check(
            COVERAGE_KEY, "coverage_implausibly_high", "checks/warn_coverage_implausible.sql", blocking=False
        ),
        sql_check(
            COVERAGE_KEY,
            "indicators_missing_for_a_period",
            "checks/warn_indicators_missing.sql",
            blocking=False,
        ),
        sql_check(
            COVERAGE_KEY,
            "superseded_aggregates_agree_with_rolls",
            "checks/warn_superseded_aggregates.sql",
            blocking=False,
        ),
    ],
)
