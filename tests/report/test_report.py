"""``python -m pipeline report``: what it writes for each kind of unit and boundary, and the clear errors
(with no file) for requests the warehouse cannot answer."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.report import formats
from pipeline.settings import DataPaths

pytestmark = pytest.mark.slow


def report(paths: DataPaths, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(paths.root))
    return main(["report", *args])


def reports(paths: DataPaths) -> list[Path]:
    return sorted((paths.marts / "reports").glob("*"))


def test_the_national_report_is_written_read_only_under_marts_reports(demo_paths, monkeypatch, capsys):
    before = hashlib.sha256(demo_paths.warehouse.read_bytes()).hexdigest()
    assert report(demo_paths, monkeypatch) == 0
    written = demo_paths.marts / "reports" / "coverage_VN_current_2025-08.html"
    assert capsys.readouterr().out.strip() == f"Report written: {written}"
    assert hashlib.sha256(demo_paths.warehouse.read_bytes()).hexdigest() == before  # read-only
    html = written.read_text(encoding="utf-8")
    # Self-contained: plotly.js inline, no script or stylesheet fetched from anywhere.
    # (plotly.js names CDN addresses for features the report does not use; the browser test proves
    # that nothing is fetched.)
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html)
    assert "Plotly.newPlot" in html and len(html) > 3_000_000


def test_a_pre_reform_province_as_reported_lists_its_communes_of_the_time(demo_paths, monkeypatch, tmp_path):
    out = tmp_path / "bac-ninh.html"
    assert (
        report(
            demo_paths,
            monkeypatch,
            "--unit",
            "27",
            "--boundary",
            "as_reported",
            "--period",
            "2025-05",
            "--out",
            str(out),
        )
        == 0
    )
    with duckdb.connect(str(demo_paths.warehouse), read_only=True) as warehouse:
        communes = warehouse.execute(
            "select count(*) from ref.admin_units where vintage = date '2000-01-01' and level = 'commune' "
            "and province_code = '27'"
        ).fetchone()[0]
    html = out.read_text(encoding="utf-8")
    assert "Tỉnh Bắc Ninh" in html and "31/05/2025" in html
    assert html.count('<tr data-unit="') == communes > 100


def test_a_commune_report_has_no_sub_units_and_shows_its_villages(demo_paths, monkeypatch, tmp_path):
    out = tmp_path / "commune.html"
    assert report(demo_paths, monkeypatch, "--unit", "00004", "--out", str(out)) == 0
    html = out.read_text(encoding="utf-8")
    assert 'id="headline"' in html and 'id="sub-units"' not in html
    assert 'data-indicator="bhyt"' in html
    # The village table: one row per village of marts.outreach, its figures the warehouse's.
    with duckdb.connect(str(demo_paths.warehouse), read_only=True) as warehouse:
        villages = warehouse.execute(
            "select village, residents, residents_without_bhyt from marts.outreach where period = "
            "date '2025-08-31' and boundary = 'current' and level = 'village' and unit_code = '00004'"
        ).fetchall()
    assert len(villages) >= 2 and html.count('<tr data-village="') == len(villages)
    for village, residents, without in villages:
        row = html.split(f'<tr data-village="{village}">', 1)[1].split("</tr>", 1)[0]
        assert f'data-field="residents">{formats.number(residents)}<' in row
        assert f'data-field="residents_without_bhyt">{formats.number(without)}<' in row
    # A province's report has no village table.
    assert report(demo_paths, monkeypatch, "--unit", "01", "--out", str(tmp_path / "p.html")) == 0
    assert 'id="villages"' not in (tmp_path / "p.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "99"], "unknown unit code '99' on the current boundary at 2025-08"),
        # An old province code on today's units: says where it can be reported.
        (
            ["--unit", "27"],
            "27 was Tỉnh Bắc Ninh in the units of 2000-01-01 to 2025-06-30: use --boundary as_reported",
        ),
        (["--period", "2024-03"], "no data for 2024-03: the warehouse holds"),
        (["--period", "2031-01"], "no data for 2031-01"),
        (["--period", "2025-13"], "'2025-13' is not a month"),
    ],
)
def test_a_request_the_warehouse_cannot_answer_is_refused_with_no_file(
    demo_paths, monkeypatch, capsys, tmp_path, args, message
):
    out = tmp_path / "report.html"
    assert report(demo_paths, monkeypatch, *args, "--out", str(out)) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and message in error
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_without_a_published_warehouse_the_report_says_to_run_the_pipeline(tmp_path, monkeypatch, capsys):
    paths = DataPaths(tmp_path / "empty")
    assert report(paths, monkeypatch) == 2
    error = capsys.readouterr().err
    assert "no published warehouse" in error and "run the pipeline first" in error
    assert not (paths.marts / "reports").exists()


def test_numbers_and_dates_are_written_the_vietnamese_way():
    from datetime import date

    assert formats.number(1699) == "1.699"
    assert formats.number(103_381_000) == "103.381.000"
    assert formats.percent(49.5) == "49,5%"
    assert formats.percent(94.925) == "94,92%" or formats.percent(94.925) == "94,93%"
    assert formats.percent(37.0) == "37%"
    assert formats.points(-1.25) == "−1,25"
    assert formats.day(date(2025, 5, 31)) == "31/05/2025"
    assert formats.number(None) == formats.percent(None) == "–"


def test_a_reused_code_keeps_its_own_history(demo_paths):
    """As reported, 24 is Bắc Giang until 2025-06-30 and Bắc Ninh after: Bắc Giang's trend must stop there."""
    from datetime import date

    from pipeline.report.data import read_report_data

    old = read_report_data(demo_paths.warehouse, "24", "2025-05", "as_reported")
    assert old.unit["name"] == "Tỉnh Bắc Giang" and old.trend_boundary == "as_reported"
    periods = {row["period"] for row in old.trends}
    assert date(2025, 5, 31) in periods and max(periods) == date(2025, 5, 31)
    new = read_report_data(demo_paths.warehouse, "24", "2025-08", "as_reported")
    assert new.unit["name"] == "Tỉnh Bắc Ninh" and new.trend_boundary == "current"
    assert min(row["period"] for row in new.trends) < date(2025, 7, 1)  # re-expressed history
