"""The benchmark harness at a tiny scale: pipeline, floor and pandas run on the same generated files and
agree on the coverage rows. No timing is asserted."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchmarks.bench import differences
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


@pytest.mark.slow
def test_the_harness_runs_and_the_three_agree(tmp_path: Path):
    result, report = run_harness(tmp_path, "--scale", "0.001", "--register-scale", "0.001")
    main = report["main"]
    assert [row["what"] for row in main["rows"]] == ["pipeline", "floor", "pandas"]
    assert main["coverage_rows_differing"] == {"floor": 0, "pandas": 0}
    assert main["rows"][0]["rows"] > 100_000  # every roll row of the month went through
    assert {"read", "normalise_pseudonymise", "judge", "store", "checks", "marts", "publication"} <= set(
        main["pipeline_stages_s"]
    )
    assert "| pipeline |" in result.stdout
    # The register section: the month run without and with its register, then one commune's lists.
    register = report["register"]
    assert register["register_rows"] > 100_000 and register["roll_rows"] == main["rows"][0]["rows"]
    assert register["stages_with_s"]["register"] > register["stages_without_s"]["register"]
    assert register["outreach"]["persons_listed"] > 0 and register["outreach"]["villages"] >= 4
