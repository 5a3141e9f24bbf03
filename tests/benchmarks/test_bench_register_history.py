"""The benchmark harness's register section with earlier months held first (--register-history): a
file of its own so that the two workers of `make test` run it beside the main harness test."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.benchmarks.harness import run_harness


@pytest.mark.slow
def test_the_register_section_can_hold_earlier_months_first(tmp_path: Path):
    result, report = run_harness(
        tmp_path, "--skip-main", "--register-scale", "0.001", "--register-history", "1"
    )
    register = report["register"]
    assert register["history_months"] == 1
    assert "the 1 month(s) before 2025-08, with registers" in result.stdout
    # The measured runs build the last month only: its roll rows, not both months'.
    data_dir = tmp_path / "work" / "scale-0.001-2025-07-2025-08-residents"
    month_rows = sum(
        pl.scan_parquet(path).select(pl.len()).collect().item()
        for path in (data_dir / "raw" / "rolls" / "2025-08").glob("*.parquet")
    )
    assert register["roll_rows"] == month_rows
    assert register["outreach"]["persons_listed"] > 0
