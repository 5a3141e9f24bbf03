"""The page: the data of :mod:`pipeline.report.data` and its charts, laid out by
``templates/report.html.j2``, written atomically."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import plotly
from plotly.offline import get_plotlyjs

from pipeline.report import charts, formats, labels
from pipeline.report.data import ReportData, read_report_data
from pipeline.settings import DataPaths

# The ranked chart shows the largest gaps; the table under it lists every sub-unit.
RANKED_LIMIT = 40
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("pipeline.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters.update(
    number=formats.number,
    percent=formats.percent,
    points=formats.points,
    day=formats.day,
    month=formats.month,
)


def default_report_path(paths: DataPaths, unit: str, boundary: str, period: str) -> Path:
    return paths.marts / "reports" / f"coverage_{unit}_{boundary}_{period}.html"


def build_report(
    paths: DataPaths,
    unit: str = "VN",
    period: str | None = None,
    boundary: str = "current",
    out: Path | None = None,
) -> Path:
    """Write the report and return its path; :class:`ReportError` (and no file) for a bad request."""
    data = read_report_data(paths.warehouse, unit, period, boundary)
    html = render(data)
    target = out or default_report_path(paths, data.unit["code"], boundary, f"{data.period:%Y-%m}")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed: a reader never sees half a page, a failure leaves no file.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(html)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _chart(figure: Any, name: str) -> str:
    return figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"chart-{name}", config=charts.CONFIG
    )


def render(data: ReportData) -> str:
    unit = data.unit
    sub_units = data.sub_units
    with_rate = [row for row in sub_units if row["bhyt_gap_pp"] is not None or row["bhxh_gap_pp"] is not None]
    figures = {"outlook": charts.outlook(data.headline), "trends": charts.trends(data.trends)}
    if with_rate:
        figures["ranked"] = charts.ranked_gaps(with_rate, RANKED_LIMIT)
        figures["map"] = charts.gap_map(with_rate)
    if any(row["participants"] for row in data.bhyt_groups):
        figures["bhyt-groups"] = charts.bhyt_groups(data.bhyt_groups)
    if any(row["attainment_pct"] is not None for row in data.plan_attainment):
        figures["plans"] = charts.plan_attainment(data.plan_attainment)
    if data.retention:
        figures["retention"] = charts.retention(data.retention)
    publication = data.publication
    quarantined = publication.get("rows_quarantined") or []
    return _TEMPLATES.get_template("report.html.j2").render(
        data=data,
        unit=unit,
        level=labels.LEVELS[unit["level"]],
        child_level=labels.LEVELS[data.child_level] if data.child_level else None,
        boundary=labels.BOUNDARIES[data.boundary],
        trend_boundary=labels.BOUNDARIES[data.trend_boundary],
        indicators=labels.INDICATORS,
        schemes=labels.SCHEMES,
        denominators=labels.DENOMINATORS,
        delivered=labels.DELIVERED,
        headline={row["indicator"]: row for row in data.headline},
        sub_units=sub_units,
        ranked_limit=RANKED_LIMIT,
        charts={name: _chart(figure, name) for name, figure in figures.items()},
        plotly_js=get_plotlyjs(),
        plotly_version=plotly.__version__,
        publication=publication,
        quarantined=quarantined,
        quarantined_total=sum(row["n_rows"] for row in quarantined),
        flags=data.quality_flags,
        completeness=data.completeness,
        generated_at=datetime.now(UTC),
    )
