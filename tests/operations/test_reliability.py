"""Reliability with real processes: readers never blocked or shown a mix, killed runs leave the
published warehouse as it was, re-runs are identical, failures leave the marts untouched."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.settings import MARTS, PROJECT_ROOT
from tests.conftest import ROLL_HEADER, write

pytestmark = pytest.mark.slow
MONTHS = ["--from", "2025-07", "--to", "2025-08"]
ANSWER_SQL = (
    "select count(*), sum(participants), (select max(publication_id) from ref.publications) "
    "from marts.coverage"
)


def deliver(raw: Path, people: int) -> None:
    """A small delivery in the raw contract; ``people`` changes the answer analysts get."""
    for month in ("2025-07", "2025-08"):
        rows = [f"{i:010d},BHYT,00004,F,1990,GD,,," for i in range(1, people + 1)]
        rows += [f"{i:010d},BHXH_TN,00097,M,1980,,,," for i in range(1, people // 2 + 1)]
        write(raw / f"rolls/{month}/part-1.csv", "\n".join([ROLL_HEADER, *rows]) + "\n")
    write(raw / "population/2025.csv", "year,unit_level,unit_code,population\n2025,commune,00004,5000\n")


def cli(*args: str, data: Path, home: Path, preexec=None, **popen) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    # The same key for every run, also the module-scoped first one (built before the autouse fixture
    # sets it): runs with two keys would now stop, as they should.
    env = {
        **os.environ,
        "PIPELINE_DATA_DIR": str(data),
        "DAGSTER_HOME": str(home),
        "PIPELINE_PSEUDONYM_KEY": "test-only-pseudonym-key",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args],
        cwd=PROJECT_ROOT,
        env=env,
        text=True,
        preexec_fn=preexec,
        **popen,
    )


def run(*args: str, data: Path, home: Path, preexec=None) -> subprocess.CompletedProcess:
    process = cli(
        *args, data=data, home=home, preexec=preexec, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout, stderr = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def answer(warehouse: Path) -> list:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return list(connection.execute(ANSWER_SQL).fetchone())


def mart_checksums(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "select schema_name || '.' || table_name from duckdb_tables() "
                "where schema_name in ('marts', 'ref') and table_name != 'publications' order by 1"
            ).fetchall()
        ]
        return {
            table: hashlib.sha256(repr(connection.table(table).order("all").fetchall()).encode()).hexdigest()
            for table in tables
        }


@pytest.fixture(scope="module")
def published_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One published warehouse built by a real run; each test starts from a copy of it."""
    root = tmp_path_factory.mktemp("published")
    deliver(root / "data" / "raw", people=40)
    result = run("run", *MONTHS, data=root / "data", home=root / "dagster")
    assert result.returncode == 0, result.stderr[-3000:]
    return root


@pytest.fixture
def published(published_template: Path, tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(published_template, tmp_path, dirs_exist_ok=True)
    return tmp_path / "data", tmp_path / "dagster"


# Two analysts in two processes (DuckDB shares one database instance per path within a process, so
# a process holding a connection open keeps reading the file it opened even on reconnect).
READER = """
import duckdb, json, os, sys, time
warehouse, out, stop, sql, mode = sys.argv[1:6]
held = duckdb.connect(warehouse, read_only=True) if mode == "held" else None
with open(out, "w") as log:
    while not os.path.exists(stop):
        try:
            if held is not None:
                row = held.execute(sql).fetchone()
            else:
                with duckdb.connect(warehouse, read_only=True) as fresh:
                    row = fresh.execute(sql).fetchone()
            log.write(json.dumps({"answer": list(row)}) + "\\n")
        except Exception as error:
            log.write(json.dumps({"error": repr(error)}) + "\\n")
        log.flush()
        time.sleep(0.05)
"""


def test_an_analyst_querying_throughout_a_run_is_never_blocked_nor_shown_a_mix(published, tmp_path: Path):
    data, home = published
    warehouse = data / "marts" / "coverage.duckdb"
    old = answer(warehouse)
    deliver(data / "raw", people=55)
    stop = tmp_path / "stop"
    logs = {mode: tmp_path / f"{mode}.jsonl" for mode in ("held", "fresh")}
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(warehouse), str(log), str(stop), ANSWER_SQL, mode]
        )
        for mode, log in logs.items()
    ]
    try:
        time.sleep(1.5)
        result = run("run", *MONTHS, data=data, home=home)
        time.sleep(1.0)
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    new = answer(warehouse)
    assert new != old and new[2] == old[2] + 1

    records = {
        mode: [json.loads(line) for line in log.read_text().splitlines()] for mode, log in logs.items()
    }
    assert all(len(answers) > 20 for answers in records.values())
    assert [r for answers in records.values() for r in answers if "error" in r] == []
    held = [r["answer"] for r in records["held"]]
    fresh = [r["answer"] for r in records["fresh"]]
    assert all(a == old for a in held)  # an open connection keeps reading the state it opened, whole
    assert set(map(tuple, fresh)) <= {tuple(old), tuple(new)}  # never a mix of the two
    first_new = fresh.index(new)
    assert all(a == new for a in fresh[first_new:])  # once published, new readers see the new state


def test_a_run_killed_while_building_leaves_the_warehouse_byte_for_byte_and_the_next_run_completes(published):
    data, home = published
    warehouse = data / "marts" / "coverage.duckdb"
    before = warehouse.read_bytes()
    deliver(data / "raw", people=60)
    # --verbose: the console then carries Dagster's STEP_START events, the moment to kill it.
    process = cli(
        "run", *MONTHS, "--verbose", data=data, home=home, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    killed = False
    for line in process.stderr:
        if "coverage_marts - STEP_START" in line:
            process.send_signal(signal.SIGKILL)
            killed = True
            break
    process.wait(timeout=120)
    assert killed and process.returncode == -signal.SIGKILL
    assert warehouse.read_bytes() == before

    result = run("run", *MONTHS, data=data, home=home)
    assert result.returncode == 0, result.stderr[-3000:]
    assert answer(warehouse)[1] != json.loads("null")
    leftovers = [p.name for p in (data / "marts").iterdir() if p.name not in {"coverage.duckdb", "_work"}]
    assert leftovers == []


def test_rerunning_the_same_partitions_gives_identical_marts(published):
    data, home = published
    warehouse = data / "marts" / "coverage.duckdb"
    first = mart_checksums(warehouse)
    assert run("run", *MONTHS, data=data, home=home).returncode == 0
    assert mart_checksums(warehouse) == first
    # Every mart, the three reference tables and the (empty) outreach audit (ref.publications differs
    # by design).
    assert set(first) == {f"marts.{mart}" for mart in MARTS} | {
        "ref.admin_units",
        "ref.admin_crosswalk",
        "ref.bhyt_object_codes",
        "ref.outreach_exports",
    }


def test_a_failing_blocking_check_publishes_nothing_and_names_the_check(published):
    data, home = published
    warehouse = data / "marts" / "coverage.duckdb"
    before = warehouse.read_bytes()
    write(
        data / "raw/reference/crosswalk_2000-01-01_2025-07-01.csv",
        "from_code,to_code,weight\n00004,00004,0.5\n",
    )
    result = run("run", *MONTHS, data=data, home=home)
    assert result.returncode == 1
    assert "check 'weights_of_each_source_sum_to_one' on ref/admin_crosswalk failed" in result.stderr
    assert "published marts left unchanged" in result.stderr
    assert warehouse.read_bytes() == before


def test_a_full_disk_fails_clearly_and_keeps_the_previous_marts(published):
    data, home = published
    warehouse = data / "marts" / "coverage.duckdb"
    before = warehouse.read_bytes()
    deliver(data / "raw", people=70)
    limit = len(before) // 2  # no file may grow past this: the new warehouse cannot be written

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = run("run", *MONTHS, data=data, home=home, preexec=small_disk)
    assert result.returncode == 1
    # Named first, in plain words, not hidden behind the rollback that followed a failed commit.
    failure_report = result.stderr[result.stderr.rfind("\nerror: ") + 1 :]
    assert failure_report.startswith("error: file too large while writing "), result.stderr[-2000:]
    assert "(the published warehouse is unchanged)" in failure_report.splitlines()[0]
    assert "FAILED after" in failure_report and "cannot rollback" not in result.stderr
    assert warehouse.read_bytes() == before


def test_an_unwritable_marts_dir_fails_clearly_and_keeps_the_previous_marts(published):
    data, home = published
    marts = data / "marts"
    before = (marts / "coverage.duckdb").read_bytes()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(marts)]).returncode != 0:
        pytest.skip("chattr +i is not available here to make a directory unwritable for root")
    try:
        result = run("run", *MONTHS, data=data, home=home)
    finally:
        subprocess.run(["chattr", "-i", str(marts)], check=True)
    assert result.returncode == 1
    assert "Operation not permitted" in result.stderr or "Permission denied" in result.stderr
    failure_report = result.stderr[result.stderr.rfind("\nerror: ") + 1 :]
    assert failure_report.startswith("error: permission denied on "), result.stderr[-2000:]
    assert (marts / "coverage.duckdb").read_bytes() == before


def test_a_second_concurrent_run_waits_then_fails_clearly(published):
    data, home = published
    first = cli(
        "run", *MONTHS, "--verbose", data=data, home=home, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    for line in first.stderr:
        if "STEP_START" in line:
            break
    os.environ["PIPELINE_LOCK_TIMEOUT"] = "1"
    try:
        second = run("run", *MONTHS, data=data, home=home)
    finally:
        del os.environ["PIPELINE_LOCK_TIMEOUT"]
    first.stderr.read()
    assert first.wait(timeout=600) == 0
    assert second.returncode == 1
    assert "another run holds the warehouse lock" in second.stderr
