"""Running the asset graph through Dagster from the command line.

The CLI materialises the same definitions as the UI and the schedule, in a persistent Dagster
instance (``dagster.yaml`` at the project root, state under ``.dagster/``), so CLI runs appear in
the UI's run history.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import dagster as dg

from pipeline.failures import OsFailure, find_os_failure
from pipeline.settings import PROJECT_ROOT


@dataclass
class RunReport:
    success: bool
    run_id: str
    seconds: float
    materialized: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # WARN checks that failed: published anyway
    os_failure: OsFailure | None = None  # a full disk, a refused permission, a read-only filesystem


def dagster_instance() -> dg.DagsterInstance:
    """The project's Dagster instance: ``DAGSTER_HOME`` defaults to the project root (``dagster.yaml``)."""
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    (PROJECT_ROOT / ".dagster").mkdir(exist_ok=True)
    return dg.DagsterInstance.get()


def month_range(first: str | None, last: str | None) -> tuple[str, str]:
    """The monthly partitions from ``first`` to ``last`` (default: all of them), validated."""
    from pipeline.partitions import MONTHLY

    keys = MONTHLY.get_partition_keys()
    first, last = first or keys[0], last or keys[-1]
    for month in (first, last):
        if month not in keys:
            raise ValueError(f"month {month} is outside the supported range {keys[0]} … {keys[-1]} (YYYY-MM)")
    if first > last:
        raise ValueError(f"--from {first} is after --to {last}")
    return first, last


def month_range_tags(months: tuple[str, str]) -> dict[str, str]:
    """Run tags that make one run cover a range of monthly partitions (single-run backfill)."""
    return {
        "dagster/asset_partition_range_start": months[0],
        "dagster/asset_partition_range_end": months[1],
    }


# Set on a key-rotation run (python -m pipeline rotate-key): the rolls asset re-keys every month it
# ingests instead of refusing a key whose fingerprint differs from the stored months'.
REKEY_TAG = "pipeline/rekey"


def materialize(
    months: tuple[str, str], tags: dict[str, str] | None = None, verbose: bool = False
) -> RunReport:
    """Materialise every asset, monthly ones over ``months`` (first, last), in one Dagster run, with
    every check; never raises on a failed step. Unpartitioned assets (reference data, denominators,
    targets, plans, aggregates, publication) are rebuilt in the same run: they are small.

    The console shows Dagster's INFO lines (each step's own progress) unless ``verbose``; the run's
    full event log, DEBUG included, is kept in the instance either way (the UI shows it)."""
    from pipeline.definitions import defs

    started = time.perf_counter()
    job = defs.resolve_job_def("pipeline_job")
    with dagster_instance() as instance:
        result = job.execute_in_process(
            instance=instance,
            run_config={"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "INFO"}}}},
            raise_on_error=False,
            tags={"pipeline/trigger": "cli", **month_range_tags(months), **(tags or {})},
        )
    report = RunReport(result.success, result.run_id, time.perf_counter() - started)
    for event in result.all_events:
        if event.is_step_materialization:
            report.materialized.append(event.asset_key.to_user_string())
        elif event.is_step_failure:
            error = event.step_failure_data.error
            if error is not None and report.os_failure is None:
                report.os_failure = find_os_failure(error)  # the root cause, however deep Dagster wrapped it
            cause = error.cause.message.strip() if error and error.cause else None
            message = (cause or (error.message.strip() if error else "failed")).splitlines()[-1]
            report.failures.append(f"{event.step_key}: {message}")
        elif event.event_type == dg.DagsterEventType.RUN_FAILURE and not report.failures:
            error = event.event_specific_data.error if event.event_specific_data else None
            if error is not None:
                report.os_failure = report.os_failure or find_os_failure(error)
                cause = error.cause.message.strip() if error.cause else error.message.strip()
                report.failures.append(cause.splitlines()[-1])
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed:
                count = evaluation.metadata.get("offending_rows")
                detail = f" ({count.value} offending rows)" if count is not None else ""
                asset = evaluation.asset_key.to_user_string()
                line = f"check '{evaluation.check_name}' on {asset} failed{detail}"
                named = evaluation.metadata.get("paths")  # checks that list what they found, by name
                if named is not None and named.value:
                    line += "".join(f"\n      {path}" for path in named.value.splitlines())
                warning = evaluation.severity == dg.AssetCheckSeverity.WARN
                (report.warnings if warning else report.failures).append(line)
    return report
