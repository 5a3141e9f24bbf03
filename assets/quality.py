"""Great Expectations checks on every staged source: ``gx_errors`` (ERROR severity, blocking: bad data
stops the marts) and ``gx_warnings`` (WARN, never blocking). The suites and the runner live in
``pipeline/quality.py``; the expectations and what each guards are listed in docs/data-quality.md.

GX is imported inside the check body (≈4 s), never when the code location loads.
"""

import dagster as dg

from pipeline import quality
from pipeline.resources import WarehouseResource

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"


def run_months(context: dg.AssetCheckExecutionContext) -> tuple[str | None, str | None]:
    """The roll months a run covers, from its tags (a range, or one partition); (None, None) when the
    check runs on its own or is invoked directly, and the latest month in staging is validated."""
    try:
        tags = context.run.tags
    except dg.DagsterError:  # directly invoked (tests): there is no run
        return None, None
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        return tags[RANGE_START_TAG], tags[RANGE_END_TAG]
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG], tags[PARTITION_TAG]
    return None, None


def _description(source: quality.QualitySource, severity: quality.Severity) -> str:
    suite = source.suite(severity)
    effect = (
        "ERROR severity, blocking: a failure stops everything downstream (the marts)."
        if severity == "ERROR"
        else "WARN severity, not blocking: suspicious but publishable."
    )
    grains = "; ".join(f"{f.name}: {f.grain}" for f in source.frames if f.name in suite.frames)
    return (
        f"Great Expectations suite {suite.name} on staging.{source.table} ({grains}). {effect} "
        f"Guards: {', '.join(rule.name for rule in suite.rules)}. An empty table passes (nothing to "
        f"validate). See docs/data-quality.md."
    )


def gx_check(source: quality.QualitySource, severity: quality.Severity) -> dg.AssetChecksDefinition:
    """One suite of one staged source as an asset check on ``staging/<source>``."""
    blocking = severity == "ERROR"

    @dg.asset_check(
        asset=dg.AssetKey(["staging", source.name]),
        name="gx_errors" if blocking else "gx_warnings",
        blocking=blocking,
        description=_description(source, severity),
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        params: dict[str, object] = {}
        if source is quality.ROLLS:
            first, last = quality.month_bounds(*run_months(context))
            params = {"first_period": first, "last_period": last}
        with warehouse.connect() as connection:
            result = quality.run_suite(connection, source, severity, params)
        context.log.info(f"{source.name} {severity}: {result.description}")
        return result

    return _check


rolls_gx_errors = gx_check(quality.ROLLS, "ERROR")
rolls_gx_warnings = gx_check(quality.ROLLS, "WARN")
aggregates_gx_errors = gx_check(quality.AGGREGATES, "ERROR")
aggregates_gx_warnings = gx_check(quality.AGGREGATES, "WARN")
population_gx_errors = gx_check(quality.POPULATION, "ERROR")
population_gx_warnings = gx_check(quality.POPULATION, "WARN")
labour_force_gx_errors = gx_check(quality.LABOUR_FORCE, "ERROR")
labour_force_gx_warnings = gx_check(quality.LABOUR_FORCE, "WARN")
targets_gx_errors = gx_check(quality.TARGETS, "ERROR")
targets_gx_warnings = gx_check(quality.TARGETS, "WARN")
plans_gx_errors = gx_check(quality.PLANS, "ERROR")
plans_gx_warnings = gx_check(quality.PLANS, "WARN")
