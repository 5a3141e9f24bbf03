"""The runner behind the ``gx_*`` asset checks: computes a suite's frames in DuckDB, validates them
with GX Core (imported only here, and only when a suite runs or is about to: ≈1.7–2.5 s) and returns
plain outcomes. Turning an outcome into a Dagster check result is ``assets/quality.py``'s job."""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from pipeline.quality.suites import (
    REFERENCE_SQL,
    SAMPLE_ROWS,
    FromReference,
    QualitySource,
    Rule,
    Severity,
    Suite,
    Where,
)
from pipeline.warehouse import run_sql

if TYPE_CHECKING:
    import pandas as pd

# Failing values shown per expectation (codes, counts, years, dates: never a person key).
SAMPLE_VALUES = 5


@dataclass
class RuleOutcome:
    rule: Rule
    success: bool
    observed: Any = None
    element_count: int | None = None
    missing_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    failing_samples: list[Any] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "expectation": self.rule.name,
            "gx_type": self.rule.expectation,
            "frame": self.rule.frame,
            "column": self.rule.column,
            "success": self.success,
            "observed_value": self.observed,
            "element_count": self.element_count,
            "missing_count": self.missing_count,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "failing_samples": self.failing_samples,
            **({"error": self.error} if self.error else {}),
        }


@dataclass
class SuiteOutcome:
    suite: Suite
    outcomes: list[RuleOutcome]
    rows: dict[str, int]
    skipped: list[str]  # rules whose frame had no rows
    seconds: float

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[str]:
        return [o.rule.name for o in self.outcomes if not o.success]


# Held while the context is built, so a check waiting for it does not build a second one while
# great_expectations_imported_meanwhile (below) is still importing GX.
_CONTEXT_LOCK = threading.Lock()


@contextmanager
def great_expectations_imported_meanwhile() -> Iterator[None]:
    """Import GX and build its context on a thread while the block runs; wait for it at the block's
    end. The import is the largest fixed cost of a month's checks (≈ 1.7-2.5 s of Python); run beside
    a block that spends its time in DuckDB, which releases the GIL, it is mostly paid by then. Once per
    process: a Celery worker, whose checks may run elsewhere, pays it at its first month.

    Only around a block that imports nothing itself: two threads importing at once can meet in a
    package's circular imports and one see a half-initialised module. That happened when the import
    ran beside a whole step (Dagster's event log importing parts of sqlalchemy, which GX imports
    too): a run failed with "partially initialized module 'sqlalchemy.orm.exc'"."""
    thread = threading.Thread(target=_batch_definition, name="import-great-expectations", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _batch_definition() -> Any:
    with _CONTEXT_LOCK:
        return _build_batch_definition()


@functools.lru_cache(maxsize=1)
def _build_batch_definition() -> Any:
    """One ephemeral GX context per process (building it costs nothing once GX is imported): a pandas
    datasource with one dataframe asset, validated whole. No analytics, no progress bars."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    asset = context.data_sources.add_pandas("staging").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _row_condition(where: Where) -> Any:
    from great_expectations.expectations.row_conditions import Column

    column = Column(where.column)
    if where.op == "in":
        return column.is_in(list(where.value))
    return column == where.value if where.op == "==" else column != where.value


def _expectation(rule: Rule, reference: Mapping[str, Sequence[object]]) -> Any:
    import great_expectations as gx

    kwargs = {}
    for key, value in rule.kwargs.items():
        if isinstance(value, FromReference):
            value = list(reference[value.name])
        elif isinstance(value, Where):
            value = _row_condition(value)
        kwargs[key] = value
    return getattr(gx.expectations, rule.expectation)(**kwargs, meta={"name": rule.name})


def validate(
    suite: Suite,
    frames: Mapping[str, pd.DataFrame],
    reference: Mapping[str, Sequence[object]] | None = None,
    index: Mapping[str, Sequence[str]] | None = None,
) -> SuiteOutcome:
    """Validate ``frames`` (by frame name) against ``suite``; rules on an empty frame are skipped.
    ``index`` names, per frame, the code columns shown beside each failing value."""
    import great_expectations as gx

    started = time.perf_counter()
    reference = reference or {}
    index = index or {}
    outcomes: list[RuleOutcome] = []
    skipped: list[str] = []
    rows = {name: len(frames[name]) for name in suite.frames}
    for frame_name in suite.frames:
        rules = [rule for rule in suite.rules if rule.frame == frame_name]
        frame = frames[frame_name]
        if frame.empty:
            skipped.extend(rule.name for rule in rules)
            continue
        gx_suite = gx.ExpectationSuite(
            name=f"{suite.name}.{frame_name}", expectations=[_expectation(r, reference) for r in rules]
        )
        result_format: dict[str, Any] = {
            "result_format": "SUMMARY",
            "partial_unexpected_count": SAMPLE_VALUES,
        }
        columns = [c for c in index.get(frame_name, ()) if c in frame.columns]
        if columns:
            result_format["unexpected_index_column_names"] = columns
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(gx_suite, result_format=result_format)
        by_name = {r.expectation_config.meta["name"]: r for r in result.results}
        outcomes.extend(_outcome(rule, by_name.get(rule.name)) for rule in rules)
    return SuiteOutcome(suite, outcomes, rows, skipped, time.perf_counter() - started)


def _outcome(rule: Rule, result: Any) -> RuleOutcome:
    if result is None:
        return RuleOutcome(rule, success=False, error="no result returned by GX")
    details = dict(result.result or {})
    error = _exception_message(result.exception_info)
    samples = details.get("partial_unexpected_index_list") or details.get("partial_unexpected_list") or []
    return RuleOutcome(
        rule,
        success=bool(result.success) and error is None,
        observed=_plain(details.get("observed_value")),
        element_count=_plain(details.get("element_count")),
        missing_count=_plain(details.get("missing_count")),
        unexpected_count=_plain(details.get("unexpected_count")),
        unexpected_percent=_round(details.get("unexpected_percent")),
        failing_samples=[_plain(s) for s in samples[:SAMPLE_VALUES]],
        error=error,
    )


def _exception_message(info: Any) -> str | None:
    """GX reports a raised exception either at the top level or per metric."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def _round(value: Any) -> float | None:
    value = _plain(value)
    return round(value, 3) if isinstance(value, float) else value


def _plain(value: Any) -> Any:
    """numpy/pandas scalars, NaN/NA/NaT, timestamps and containers -> JSON-friendly Python values."""
    import pandas as pd

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, datetime):  # pandas Timestamps included; dates arrive as midnight timestamps
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars, numpy datetime64
        try:
            item = value.item()
        except (TypeError, ValueError):
            return str(value)
        if isinstance(item, int) and "datetime64" in str(value.dtype):  # nanoseconds come back as an int
            item = pd.Timestamp(item)
        return _plain(item)
    return str(value)


def load_frames(
    connection: duckdb.DuckDBPyConnection,
    source: QualitySource,
    frame_names: Sequence[str],
    params: Mapping[str, object],
) -> dict[str, pd.DataFrame]:
    """The named frames, computed by DuckDB (``sql/quality/``) and handed to pandas (small by design)."""
    bound = {"sample_rows": SAMPLE_ROWS, **source.params, **params}
    by_name = {frame.name: frame for frame in source.frames}
    return {name: run_sql(connection, by_name[name].sql, bound).df() for name in frame_names}


def load_reference(connection: duckdb.DuckDBPyConnection, suite: Suite) -> dict[str, list[object]]:
    wanted = {v.name for rule in suite.rules for v in rule.kwargs.values() if isinstance(v, FromReference)}
    return {name: [row[0] for row in run_sql(connection, REFERENCE_SQL[name]).fetchall()] for name in wanted}


@dataclass(frozen=True)
class NothingToValidate:
    """No data yet, which is not an error: the suite, why, and the run's parameters (none when the
    staging table does not exist yet)."""

    suite: Suite
    reason: str
    params: Mapping[str, object] = field(default_factory=dict)


def run_suites(
    connection: duckdb.DuckDBPyConnection,
    source: QualitySource,
    severities: Sequence[Severity],
    params: Mapping[str, object] | None = None,
) -> dict[Severity, SuiteOutcome | NothingToValidate]:
    """Validate several suites of one source against the working database. Each frame is computed
    once for all of them: the rolls' frames scan the whole month, and the ERROR and WARN suites read
    the same two."""
    suites = {severity: source.suite(severity) for severity in severities}
    params = dict(params or {})
    exists = run_sql(connection, "quality/staging_table_exists.sql", {"table": source.table}).fetchone()
    if not exists or not exists[0]:
        reason = f"staging.{source.table} does not exist yet"
        return {severity: NothingToValidate(suite, reason) for severity, suite in suites.items()}
    needed = tuple(dict.fromkeys(name for suite in suites.values() for name in suite.frames))
    frames = load_frames(connection, source, needed, params)
    index = {frame.name: frame.index for frame in source.frames}
    outcomes: dict[Severity, SuiteOutcome | NothingToValidate] = {}
    for severity, suite in suites.items():
        if all(frames[name].empty for name in suite.frames):
            reason = f"no {source.name} rows in staging.{source.table}"
            if "first_period" in params:
                reason += " for the months of the run" if params["first_period"] else ""
            outcomes[severity] = NothingToValidate(suite, reason, params)
        else:
            outcomes[severity] = validate(suite, frames, load_reference(connection, suite), index)
    return outcomes
