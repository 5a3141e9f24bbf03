"""The demo-sized national report in real headless Chromium (Debian's package) with the network blocked:
every chart draws, the page logs no JavaScript error and asks for nothing from the network, and the
figures a reader sees are the warehouse's. Skipped only where Chromium is absent and CI is not set: CI
installs it (.ci/run), so there it always runs."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipeline.report.browser import chromium_path, open_report
from pipeline.settings import DataPaths

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        chromium_path() is None and not os.environ.get("CI"),
        reason="Chromium is not installed (apt-get install chromium); CI installs it and runs this test",
    ),
]

CHARTS = {"outlook", "ranked", "map", "trends", "bhyt-groups", "plans", "retention"}


def vn_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def vn_percent(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") + "%"


@pytest.fixture(scope="module")
def page(national_report: Path):
    with open_report(national_report) as rendered:
        yield rendered


def test_every_chart_draws_offline_without_a_javascript_error(page):
    charts = {chart["name"]: chart for chart in page.charts()}
    assert set(charts) == CHARTS
    for name, chart in charts.items():
        assert chart["svg"] > 0 and chart["marks"] > 0, name
    assert page.errors == []
    assert page.requests == []  # nothing fetched: scripts and styles are inline


def test_the_headline_figures_are_the_warehouses(page, demo_paths: DataPaths):
    with duckdb.connect(str(demo_paths.warehouse), read_only=True) as warehouse:
        period, rows = (
            warehouse.execute("select max(period) from marts.coverage where boundary = 'current'").fetchone()[
                0
            ],
            None,
        )
        rows = warehouse.execute(
            "select indicator, participants, coverage_pct, target_pct, persons_to_target from marts.coverage "
            "where boundary = 'current' and level = 'nation' and period = ? order by indicator",
            [period],
        ).fetchall()
    assert page.text("[data-field=period]") == period.strftime("%d/%m/%Y")
    assert len(rows) == 5
    for indicator, participants, coverage, target, needed in rows:
        card = f"#headline [data-indicator={indicator}]"
        assert page.text(f"{card} [data-field=coverage_pct]") == vn_percent(coverage)
        assert page.text(f"{card} [data-field=participants]") == vn_number(participants)
        assert page.text(f"{card} [data-field=target_pct]") == vn_percent(target)
        assert page.text(f"{card} [data-field=persons_to_target]") == vn_number(needed)


def test_the_ranked_table_and_the_map_show_every_province(page, demo_paths: DataPaths):
    with duckdb.connect(str(demo_paths.warehouse), read_only=True) as warehouse:
        period = warehouse.execute("select max(period) from marts.coverage").fetchone()[0]
        provinces = warehouse.execute(
            "select unit_code, gap_pp, persons_to_target from marts.coverage where boundary = 'current' "
            "and level = 'province' and indicator = 'bhyt' and period = ? order by gap_pp desc, unit_code",
            [period],
        ).fetchall()
    assert len(provinces) == 34
    rows = page.page.locator("#sub-unit-table tbody tr")
    assert rows.count() == 34
    first = rows.first
    code, gap, needed = provinces[0]
    assert first.get_attribute("data-unit") == code  # the largest BHYT gap first
    assert first.locator("[data-field=bhyt_persons_to_target]").inner_text() == vn_number(needed)
    # One point per province on the map (34 units, all with coordinates).
    map_points = page.page.evaluate("() => document.getElementById('chart-map').data[0].x.length")
    assert map_points == 34


def test_the_trend_marks_the_2025_reform_and_the_synthetic_banner_shows(page):
    shapes = page.page.evaluate("() => document.getElementById('chart-trends').layout.shapes")
    assert [shape["x0"][:10] for shape in shapes] == ["2025-07-01"]
    assert "Dữ liệu mô phỏng" in page.text("#synthetic-banner")
    assert page.page.evaluate("() => document.documentElement.lang") == "vi"
    assert page.text("h1").endswith("Việt Nam")
