"""Great Expectations checks on every staged source: ``gx_errors`` (ERROR severity, blocking: bad data
stops the marts) and ``gx_warnings`` (WARN, never blocking), and their results as Dagster check results.
The suites are in ``pipeline/quality/suites.py``, the runner in ``pipeline/quality/runner.py``; the
expectations and what each guards are listed in docs/data-quality.md.

GX is imported inside the check body (≈4 s), never when the code location loads.
"""

from collections.abc import Iterable, Mapping
from typing import Any

import dagster as dg

from assets._checks import CheckPart, checks_step, sql_check
from pipeline.months import month_end
from pipeline.quality.runner import NothingToValidate, SuiteOutcome, run_suites
from pipeline.quality.suites import (
    AGGREGATES,
    LABOUR_FORCE,
    PLANS,
    POPULATION,
    ROLLS,
    TARGETS,
    QualitySource,
    Severity,
    Suite,
)

RECONCILE_SQL = "checks/assert_rows_reconcile.sql"
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


def _description(source: QualitySource, severity: Severity) -> str:
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


def gx_suites(source: QualitySource) -> CheckPart:
    """The two suites of one staged source, ``gx_errors`` (blocking) and ``gx_warnings``, as checks on
    ``staging/<source>``; their frames are computed once for both."""
    asset_key = dg.AssetKey(["staging", source.name])
    names: dict[Severity, str] = {"ERROR": "gx_errors", "WARN": "gx_warnings"}
    specs = tuple(
        dg.AssetCheckSpec(
            names[severity],
            asset=asset_key,
            blocking=severity == "ERROR",
            description=_description(source, severity),
        )
        for severity in names
    )

    def evaluate(context, connection, selected) -> Iterable[dg.AssetCheckResult]:
        severities = [s for s in names if dg.AssetCheckKey(asset_key, names[s]) in selected]
        params: dict[str, object] = {}
        if source is ROLLS:
            first, last = (month_end(month) if month else None for month in run_months(context))
            params = {"first_period": first, "last_period": last}
        for severity, outcome in run_suites(connection, source, severities, params).items():
            result = check_result(outcome, source, params)
            context.log.info(f"{source.name} {severity}: {result.description}")
            yield result._replace(asset_key=asset_key, check_name=names[severity])

    return CheckPart(specs, evaluate)


def staged_source_checks(name: str, quality: QualitySource | None) -> dg.AssetChecksDefinition:
    """Every check of ``staging/<name>`` in one step: the reconciliation (blocking: nothing silently
    dropped, for every file of the source) and, for the sources that have them, the two GX suites."""
    asset_key = dg.AssetKey(["staging", name])
    reconcile = sql_check(
        asset_key, "rows_in_equal_accepted_plus_quarantined", RECONCILE_SQL, {"source": name}
    )
    return checks_step(f"{name}_checks", [reconcile, *([gx_suites(quality)] if quality else [])])


def _severity(suite: Suite) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if suite.severity == "ERROR" else dg.AssetCheckSeverity.WARN


def _params_metadata(params: Mapping[str, object]) -> dict[str, str]:
    return {f"param_{k}": "latest in staging" if v is None else str(v) for k, v in params.items()}


def nothing_to_validate(skipped: NothingToValidate) -> dg.AssetCheckResult:
    """No data yet is not an error: the check passes and says so."""
    suite = skipped.suite
    return dg.AssetCheckResult(
        passed=True,
        severity=_severity(suite),
        description=f"Nothing to validate: {skipped.reason}.",
        metadata={
            "suite": suite.name,
            "nothing_to_validate": skipped.reason,
            "expectations_in_suite": len(suite.rules),
            **_params_metadata(skipped.params),
        },
    )


def check_result(
    outcome: SuiteOutcome | NothingToValidate,
    source: QualitySource,
    params: Mapping[str, object] | None = None,
) -> dg.AssetCheckResult:
    """The suite outcome as a Dagster check result: every expectation with its observed value, unexpected
    count and share, and a few failing values with the codes that locate them."""
    if isinstance(outcome, NothingToValidate):
        return nothing_to_validate(outcome)
    suite = outcome.suite
    failed = outcome.failed
    description = (
        f"{len(outcome.outcomes)} expectations met"
        if not failed
        else f"{len(failed)} of {len(outcome.outcomes)} expectations failed: {', '.join(failed)}"
    )
    grains = {frame.name: frame.grain for frame in source.frames if frame.name in outcome.rows}
    metadata: dict[str, Any] = {
        "suite": suite.name,
        "evaluated": len(outcome.outcomes),
        "failed": len(failed),
        "failed_expectations": dg.MetadataValue.json(failed),
        "expectations": dg.MetadataValue.md(_markdown(outcome)),
        "results": dg.MetadataValue.json([o.as_dict() for o in outcome.outcomes]),
        "rows_validated": dg.MetadataValue.json(outcome.rows),
        "grain": dg.MetadataValue.json(grains),
        "gx_seconds": round(outcome.seconds, 3),
        **_params_metadata(params or {}),
    }
    if outcome.skipped:
        metadata["skipped_empty_frame"] = dg.MetadataValue.json(outcome.skipped)
    return dg.AssetCheckResult(
        passed=outcome.success, severity=_severity(suite), description=description, metadata=metadata
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value) if not isinstance(value, float) else f"{value:.4g}"
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(outcome: SuiteOutcome) -> str:
    header = (
        "| expectation | frame | GX type | column | ok | rows checked | observed | unexpected | % "
        "| failing samples |"
    )
    lines = [header, "|" + " --- |" * 10]
    for o in outcome.outcomes:
        samples = "; ".join(
            ", ".join(f"{k}={_cell(v)}" for k, v in s.items()) if isinstance(s, dict) else _cell(s)
            for s in o.failing_samples
        )
        observed = f"error: {o.error}" if o.error else o.observed
        checked = None if o.element_count is None else o.element_count - (o.missing_count or 0)
        cells = [
            o.rule.name,
            o.rule.frame,
            o.rule.expectation,
            o.rule.column,
            "✅" if o.success else "❌",
            checked,
            observed,
            o.unexpected_count,
            o.unexpected_percent,
            samples,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


rolls_checks = staged_source_checks("rolls", ROLLS)
residents_checks = staged_source_checks("residents", None)  # no GX suite: docs/data-quality.md
aggregates_checks = staged_source_checks("aggregates", AGGREGATES)
population_checks = staged_source_checks("population", POPULATION)
labour_force_checks = staged_source_checks("labour_force", LABOUR_FORCE)
targets_checks = staged_source_checks("targets", TARGETS)
plans_checks = staged_source_checks("plans", PLANS)
