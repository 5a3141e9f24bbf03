"""What a report shows, read from the published warehouse (read-only) with the SQL in ``sql/report/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from pipeline.months import month_end
from pipeline.warehouse import run_sql

BOUNDARIES = ("current", "as_reported")
CHILD_LEVEL = {"nation": "province", "province": "commune", "district": "commune"}


class ReportError(Exception):
    """A request the warehouse cannot answer; the message says what to do instead."""


@dataclass
class ReportData:
    period: date
    boundary: str
    unit: dict[str, Any]
    child_level: str | None
    first_period: date
    headline: list[dict[str, Any]]
    sub_units: list[dict[str, Any]]
    trends: list[dict[str, Any]]
    trend_boundary: str
    bhyt_groups: list[dict[str, Any]]
    plan_attainment: list[dict[str, Any]]
    retention: list[dict[str, Any]]
    publication: dict[str, Any]
    quality_flags: list[dict[str, Any]]
    completeness: list[dict[str, Any]]
    villages: list[dict[str, Any]] = field(default_factory=list)  # a commune's, from marts.outreach
    warehouse: Path = field(default=Path())


def _rows(connection: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = run_sql(connection, f"report/{sql}", params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_report_data(
    warehouse: Path, unit: str = "VN", period: str | None = None, boundary: str = "current"
) -> ReportData:
    """Everything one report needs, or a :class:`ReportError` that says why it cannot be made."""
    if boundary not in BOUNDARIES:
        raise ReportError(f"unknown boundary '{boundary}' (expected {' or '.join(BOUNDARIES)})")
    if not warehouse.is_file():
        raise ReportError(
            f"no published warehouse at {warehouse}: run the pipeline first "
            "(`python -m pipeline run`, or `make demo` for the sample data)"
        )
    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        raise ReportError(f"cannot open the published warehouse {warehouse}: {error}") from error
    with connection:
        return _read(connection, warehouse, unit.strip(), period, boundary)


def _read(
    connection: duckdb.DuckDBPyConnection, warehouse: Path, code: str, period: str | None, boundary: str
) -> ReportData:
    periods = _rows(connection, "periods.sql", {"boundary": boundary})[0]["periods"] or []
    if not periods:
        raise ReportError(
            f"the published warehouse {warehouse} holds no coverage figures yet: deliver rolls or "
            "aggregates into raw/ and run the pipeline"
        )
    span = f"{len(periods)} periods, {periods[0]:%Y-%m} … {periods[-1]:%Y-%m}"
    if period is None:
        day = periods[-1]
    else:
        try:
            day = month_end(period)
        except ValueError as error:
            raise ReportError(f"--period: {error}") from error
        if day not in periods:
            before = [p for p in periods if p < day][-1:]
            after = [p for p in periods if p > day][:1]
            nearest = ", ".join(f"{p:%Y-%m}" for p in before + after)
            raise ReportError(f"no data for {period}: the warehouse holds {span} (nearest: {nearest})")
    units = _rows(connection, "unit.sql", {"unit": code, "period": day, "boundary": boundary})
    if not units:
        elsewhere = _rows(connection, "unit_vintages.sql", {"unit": code})
        hint = "; ".join(
            f"{row['name']} in the units of {row['vintage']:%Y-%m-%d}"
            + (
                f" to {row['valid_to']:%Y-%m-%d}: use --boundary as_reported with a period then"
                if row["valid_to"]
                else ""
            )
            for row in elsewhere
        )
        raise ReportError(
            f"unknown unit code '{code}' on the {boundary} boundary at {day:%Y-%m}"
            + (
                f" ({code} was {hint})"
                if hint
                else " (use a GSO code: VN for the nation, 2 digits for a "
                "province, 5 for a commune; ref.admin_units lists them)"
            )
        )
    unit = units[0]
    params = {
        "period": day,
        "boundary": boundary,
        "level": unit["level"],
        "unit": unit["code"],
        "vintage": unit["vintage"],
        "child_level": CHILD_LEVEL.get(unit["level"], ""),
    }
    headline = _rows(connection, "headline.sql", params)
    if not headline:
        raise ReportError(
            f"no data for {unit['name']} ({unit['code']}) at {day:%Y-%m} on the {boundary} boundary: "
            f"nothing was delivered for it (the warehouse holds {span}; marts.completeness says who "
            "delivered)"
        )
    # Trends are drawn on today's units; a unit that no longer exists keeps its as-reported history.
    trend_boundary = boundary
    if boundary == "as_reported":
        today = _rows(connection, "unit.sql", {"unit": unit["code"], "period": day, "boundary": "current"})
        if today and today[0]["vintage"] == unit["vintage"]:
            trend_boundary = "current"
    else:
        trend_boundary = "current"
    return ReportData(
        period=day,
        boundary=boundary,
        unit=unit,
        child_level=CHILD_LEVEL.get(unit["level"]),
        first_period=periods[0],
        headline=headline,
        sub_units=_rows(connection, "sub_units.sql", params) if unit["level"] in CHILD_LEVEL else [],
        trends=_rows(connection, "trends.sql", {**params, "boundary": trend_boundary}),
        trend_boundary=trend_boundary,
        bhyt_groups=_rows(connection, "bhyt_groups.sql", params),
        plan_attainment=_rows(connection, "plan_attainment.sql", params),
        retention=_rows(connection, "retention.sql", params),
        publication=(_rows(connection, "publication.sql", {}) or [{}])[0],
        quality_flags=_rows(connection, "quality_flags.sql", params),
        completeness=_rows(connection, "completeness.sql", params),
        villages=_rows(connection, "villages.sql", params),
        warehouse=warehouse,
    )
