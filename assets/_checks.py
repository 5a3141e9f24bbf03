"""SQL checks as Dagster asset-check results, and what every asset shows in the Dagster UI (owners,
a preview, the SQL it ran, its time).

A helper module of the defs folder: it defines no Dagster definitions itself (the loader scans it and
finds none); the modules beside it build their checks with it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import dagster as dg
import duckdb
import polars as pl

from pipeline.resources import WAREHOUSE_POOL, WarehouseResource
from pipeline.warehouse import read_sql, run_sql

PREVIEW_ROWS = 10
# Who answers for every asset (Dagster owners are a team or an e-mail address).
OWNERS = ["team:coverage-data"]


def markdown_table(frame: pl.DataFrame, limit: int = PREVIEW_ROWS) -> str:
    """A small markdown preview for the Dagster UI (callers never pass personal data)."""
    shown = frame.head(limit)
    header = "| " + " | ".join(shown.columns) + " |"
    rule = "| " + " | ".join("---" for _ in shown.columns) + " |"
    body = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in shown.iter_rows()]
    more = [f"\n… and {frame.height - limit} more rows"] if frame.height > limit else []
    return "\n".join([header, rule, *body, *more])


def ui_metadata(sql_files: list[str], started: float, preview: pl.DataFrame | None = None) -> dict:
    """What every materialisation shows besides its own figures: the sql/ files it ran, its seconds, and
    a preview of at most PREVIEW_ROWS rows (callers pass counts and codes, never personal data)."""
    metadata: dict[str, object] = {
        "sql_files": dg.MetadataValue.md("\n".join(f"- `sql/{f}`" for f in sql_files) or "no SQL file"),
        "seconds": round(time.perf_counter() - started, 2),
    }
    if preview is not None:
        metadata["preview"] = dg.MetadataValue.md(markdown_table(preview) if preview.height else "no rows")
    return metadata


def sql_check_description(relative_path: str) -> str:
    """The header comment of a check file: what it catches."""
    lines = []
    for line in read_sql(relative_path).splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    return " ".join(lines).removeprefix("Catches:").strip()


Evaluate = Callable[
    [dg.AssetCheckExecutionContext, duckdb.DuckDBPyConnection, AbstractSet[dg.AssetCheckKey]],
    Iterable[dg.AssetCheckResult],
]


@dataclass(frozen=True)
class CheckPart:
    """Checks evaluated together in a checks step: their specs, and how the selected ones are evaluated
    on the working database (one result per selected spec, with its asset key and name). Most parts
    are one SQL check; the two Great Expectations suites of a source are one part, which computes
    their frames once."""

    specs: tuple[dg.AssetCheckSpec, ...]
    evaluate: Evaluate


def sql_check(
    asset_key: dg.AssetKey,
    name: str,
    sql_path: str,
    params: Mapping[str, object] | None = None,
    *,
    blocking: bool = True,
) -> CheckPart:
    """A check that runs ``sql/<sql_path>`` (it passes when no rows come back). Blocking checks fail
    with ERROR severity and stop everything downstream, publication included; non-blocking ones warn
    (WARN severity) and let the run publish."""
    severity = dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN
    spec = dg.AssetCheckSpec(
        name, asset=asset_key, blocking=blocking, description=sql_check_description(sql_path)
    )

    def evaluate(_context, connection, _selected) -> Iterable[dg.AssetCheckResult]:
        result = run_sql_check(connection, sql_path, params, severity)
        yield result._replace(asset_key=asset_key, check_name=name)

    return CheckPart((spec,), evaluate)


def checks_step(name: str, parts: Sequence[CheckPart]) -> dg.AssetChecksDefinition:
    """Several checks evaluated in one step, on one connection, each reported on its own (with its
    own name, severity and blocking). A step costs ≈0.07 s of Dagster around it however small the
    check, and a month's run has dozens: grouped per asset, they cost one. Any subset can run on its
    own, as from the UI's "Execute check"."""

    @dg.multi_asset_check(
        name=name,
        specs=[spec for part in parts for spec in part.specs],
        can_subset=True,
        pool=WAREHOUSE_POOL,
        description="The checks of "
        + ", ".join(sorted({spec.asset_key.to_user_string() for part in parts for spec in part.specs})),
    )
    def _step(context, warehouse: WarehouseResource):  # unannotated: Dagster refuses a string one
        selected = context.selected_asset_check_keys
        with warehouse.connect() as connection:
            for part in parts:
                chosen = {spec.key for spec in part.specs} & selected
                if chosen:
                    yield from part.evaluate(context, connection, chosen)

    return _step


def run_sql_check(
    connection: duckdb.DuckDBPyConnection,
    relative_path: str,
    params: Mapping[str, object] | None = None,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dg.AssetCheckResult:
    """Run ``sql/<relative_path>``; it passes when it returns no rows. The offending rows are shown."""
    offending = run_sql(connection, relative_path, params).pl()
    metadata: dict[str, object] = {
        "offending_rows": offending.height,
        "sql": dg.MetadataValue.path(relative_path),
    }
    if offending.height:
        metadata["sample"] = dg.MetadataValue.md(markdown_table(offending))
    return dg.AssetCheckResult(passed=offending.height == 0, severity=severity, metadata=metadata)
