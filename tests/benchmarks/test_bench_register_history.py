"""The benchmark harness's register section with earlier months held first (--register-history): a
file of its own so that the two workers of `make test` run it beside the main harness test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from benchmarks.bench import PROJECT_ROOT


@pytest.mark.slow
def test_the_register_section_can_hold_earlier_months_first(tmp_path: Path):
    env = {**os.environ, "PIPELINE_PSEUDONYM_KEY": "unused-the-harness-sets-its-own"}
    env.pop("PIPELINE_DATA_DIR", None)
    arguments = ["--skip-main", "--register-scale", "0.001", "--register-history", "1"]
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench", *arguments, "--work", str(tmp_path / "work")]
        + ["--out", str(tmp_path / "out")],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    [report_file] = (tmp_path / "out").glob("bench-*.json")
    register = json.loads(report_file.read_text())["register"]
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
