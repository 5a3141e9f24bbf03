"""``python -m pipeline report``: the coverage report for steering committees, one self-contained HTML
file built from the published warehouse (docs/report.md).

``data`` reads the warehouse (read-only, SQL in ``sql/report/``), ``charts`` draws the Plotly figures,
``formats`` writes numbers and dates the Vietnamese way, and the Jinja template lays out the page. The
file is written whole or not at all: a bad request raises :class:`ReportError` before anything is written.
"""

from __future__ import annotations

from pipeline.report.data import ReportError
from pipeline.report.render import build_report, default_report_path

__all__ = ["ReportError", "build_report", "default_report_path"]
