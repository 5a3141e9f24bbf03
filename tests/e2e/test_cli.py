"""The command line as users run it: a real process, a data dir chosen by PIPELINE_DATA_DIR."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow


def run_cli(
    *args: str, data_dir: Path, dagster_home: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "PIPELINE_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(dagster_home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_run_all_builds_the_reference_tables_in_the_chosen_data_dir(tmp_path: Path):
    data_dir = tmp_path / "some" / "dir"
    result = run_cli("run", "--all", data_dir=data_dir, dagster_home=tmp_path / "dagster")
    assert result.returncode == 0, result.stderr[-3000:]
    warehouse = data_dir / "marts" / "coverage.duckdb"
    assert f"Published: {warehouse}" in result.stdout
    assert "No raw data" in result.stdout and "empty marts" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as analyst:
        # A code alone is ambiguous; with its vintage it is one unit.
        assert analyst.execute("select count(*) from ref.admin_units where code = '24'").fetchone() == (2,)
        assert analyst.execute(
            "select name from ref.admin_units where code = '24' and vintage = date '2025-07-01'"
        ).fetchone() == ("Tỉnh Bắc Ninh",)
        assert analyst.execute(
            "select count(distinct from_code) from ref.admin_crosswalk "
            "where from_level = 'commune' and to_vintage = date '2025-07-01'"
        ).fetchone() == (10035,)
        assert analyst.execute("select count(*) from marts.coverage").fetchone() == (0,)


def test_the_console_shows_progress_and_verbose_adds_dagsters_debug_events(tmp_path: Path):
    """Without --verbose the console has the steps' INFO lines only; the instance keeps every event,
    DEBUG included, for the UI; --verbose prints them too."""
    data_dir, home = tmp_path / "data", tmp_path / "dagster"
    quiet = run_cli("run", "--period", "2025-08", data_dir=data_dir, dagster_home=home)
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert " - INFO - " in quiet.stderr and " - DEBUG - " not in quiet.stderr
    loud = run_cli("run", "--period", "2025-08", "--verbose", data_dir=data_dir, dagster_home=home)
    assert loud.returncode == 0, loud.stderr[-3000:]
    assert " - DEBUG - " in loud.stderr and "STEP_START" in loud.stderr
    run_id = quiet.stdout.split("Run ", 1)[1].split()[0]
    probe = (
        "import dagster as dg, logging, sys; i = dg.DagsterInstance.get(); "
        "print(sum(e.level == logging.DEBUG for e in i.all_logs(sys.argv[1])))"
    )
    stored = subprocess.run(
        [sys.executable, "-c", probe, run_id],
        env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert int(stored.stdout.strip() or 0) > 0, stored.stderr[-2000:]


def test_a_failed_run_exits_non_zero_names_the_file_and_keeps_the_published_warehouse(tmp_path: Path):
    data_dir, home = tmp_path / "data", tmp_path / "dagster"
    assert run_cli("run", "--period", "2025-08", data_dir=data_dir, dagster_home=home).returncode == 0
    warehouse = data_dir / "marts" / "coverage.duckdb"
    before = warehouse.read_bytes()
    bad = data_dir / "raw" / "reference" / "admin_units_2026-04-30.csv"
    bad.parent.mkdir(parents=True)
    valid_prefix = b"level,code,name,parent_code\nprovince,01,H"
    bad.write_bytes(valid_prefix + b"\xe0 N\xf4i,VN\n")  # Latin-1 'à', not UTF-8
    result = run_cli("run", "--period", "2025-08", data_dir=data_dir, dagster_home=home)
    assert result.returncode == 1
    assert f"{bad}: not valid UTF-8: first bad byte at offset {len(valid_prefix)}" in result.stderr
    assert "published marts left unchanged" in result.stderr
    assert warehouse.read_bytes() == before


def test_help_is_instant_and_lists_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "demo" in result.stdout and "run" in result.stdout
