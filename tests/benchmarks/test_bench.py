"""The benchmark harness at a tiny scale, end to end in one run (it is among the slowest tests): pipeline,
floor and pandas run on the same generated files and agree on the coverage rows; the register section
holds an earlier month first (--register-history) and measures the last, and the previous-month
section measures a month with the month before it held. No timing is asserted."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchmarks.bench import Measure, differences, median_measure
from tests.benchmarks.harness import run_harness


def test_differences_sees_a_changed_count_and_a_changed_percentage():
    rows = pl.DataFrame(
        {
            "level": ["nation", "province"],
            "unit_code": ["VN", "01"],
            "indicator": ["bhyt", "bhyt"],
            "participants": [10, 4],
            "denominator": [20, None],
            "coverage_pct": [50.0, None],
            "target_pct": [60.0, None],
            "persons_to_target": [2, None],
        }
    )
    assert differences(rows, rows) == 0
    assert differences(rows, rows.with_columns(pl.col("participants") + pl.Series([0, 1]))) == 1
    assert differences(rows, rows.with_columns(pl.col("coverage_pct") * 1.001)) == 1
    assert differences(rows, rows.head(1)) == 1


def test_rounds_keep_the_median_measurement_whole():
    times = [30.0, 90.0, 41.0]
    rounds = [Measure("pipeline", 0.1, t, peak_rss_gb=t / 10, stages={"marts": t / 5}) for t in times]
    median = median_measure(rounds)
    assert (median.seconds, median.peak_rss_gb, median.stages) == (41.0, 4.1, {"marts": 8.2})
    assert median_measure(rounds[:2]).seconds == 90.0  # an even count: the upper of the two middles
    assert median_measure(rounds[:1]).seconds == 30.0


@pytest.mark.slow
def test_the_harness_runs_the_three_agree_and_the_sections_that_hold_earlier_months_hold_them(
    tmp_path: Path,
):
    result, report = run_harness(
        tmp_path,
        "--scale",
        "0.001",
        "--register-scale",
        "0.001",
        "--register-history",
        "1",
        "--previous-scale",
        "0.001",
    )
    main = report["main"]
    assert [row["what"] for row in main["rows"]] == ["pipeline", "floor", "pandas"]
    assert main["coverage_rows_differing"] == {"floor": 0, "pandas": 0}
    assert main["rows"][0]["rows"] > 100_000  # every roll row of the month went through
    assert {"read", "normalise_pseudonymise", "judge", "store", "checks", "marts", "publication"} <= set(
        main["pipeline_stages_s"]
    )
    assert "| pipeline |" in result.stdout
    # The register section: the month run without and with its register, then one commune's lists,
    # after the month before was built with its register (the history a nightly run finds).
    register = report["register"]
    assert register["history_months"] == 1
    assert "the 1 month(s) before 2025-08, with registers" in result.stdout
    assert register["register_rows"] > 100_000
    assert register["stages_with_s"]["register"] > register["stages_without_s"]["register"]
    assert register["outreach"]["persons_listed"] > 0 and register["outreach"]["villages"] >= 4
    # The measured runs build the last month only: its roll rows, not both months'.
    data_dir = tmp_path / "work" / "scale-0.001-2025-07-2025-08-residents"
    month_rows = sum(
        pl.scan_parquet(path).select(pl.len()).collect().item()
        for path in (data_dir / "raw" / "rolls" / "2025-08").glob("*.parquet")
    )
    assert register["roll_rows"] == month_rows
    # The previous-month section: the month measured again with the month before it held, whose
    # retention (continuing, new, stopped) only exists when the earlier month is in the warehouse.
    held = report["previous"]
    previous_dir = tmp_path / "work" / "scale-0.001-2025-07-2025-08"
    assert held["roll_rows"] == sum(
        pl.scan_parquet(path).select(pl.len()).collect().item()
        for path in (previous_dir / "raw" / "rolls" / "2025-08").glob("*.parquet")
    )
    assert held["retention_rows"] > 0
    assert "previous: 2025-07 (not timed), then 2025-08 with it held" in result.stdout
