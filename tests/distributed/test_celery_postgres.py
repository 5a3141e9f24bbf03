"""The same definitions on a deployment beyond one process (deploy/, docs/deployment.md): Dagster's
runs and event log in a real PostgreSQL, the steps on two real Celery workers fed by a real Redis,
all on loopback, started and stopped here. Compared with the embedded default on the same raw files.

Run alone with ``pytest -m distributed``. Without PostgreSQL or Redis installed the tests skip,
except under CI, where ``.ci/run`` installs them and a skip would hide a broken set-up."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipeline.runner import month_range_tags
from pipeline.settings import PROJECT_ROOT
from tests.distributed.servers import (
    CeleryWorker,
    Postgres,
    Redis,
    deployment_environment,
    missing_servers,
)

pytestmark = [pytest.mark.slow, pytest.mark.distributed]

MONTHS = ("2025-07", "2025-08")
KEY = "distributed-test-pseudonym-key"
# Tables whose rows depend on the data alone (ref.publications records when and by which run).
COMPARED = [
    "marts.coverage",
    "marts.bhyt_groups",
    "marts.completeness",
    "marts.plan_attainment",
    "marts.projection",
    "marts.retention",
    "marts.outreach",
    "ref.admin_units",
    "ref.admin_crosswalk",
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory):
    missing = missing_servers()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} missing: .ci/run installs them from Debian's packages")
        pytest.skip(f"{', '.join(missing)} not installed (apt-get install postgresql redis-server)")
    root = tmp_path_factory.mktemp("servers")
    postgres = Postgres(root / "postgres").start()
    redis = Redis(root / "redis")
    try:
        postgres.create_database("dagster")
        redis.start()
        yield postgres, redis
    finally:
        redis.stop()
        postgres.stop()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated raw files and the embedded default's run over them: python -m pipeline run, SQLite
    storage, every step in one process. Returns the data dir; the tests copy its raw/."""
    root = tmp_path_factory.mktemp("embedded")
    data_dir, home = root / "data", root / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "PIPELINE_PSEUDONYM_KEY": KEY, "PIPELINE_DATA_DIR": str(data_dir)}
    subprocess.run(
        [sys.executable, "-m", "pipeline", "generate", "--scale", "0.001", "--from", "2025-01"]
        + ["--to", MONTHS[1], "--rolls-from", MONTHS[0], "--residents"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--from", MONTHS[0], "--to", MONTHS[1]],
        cwd=PROJECT_ROOT,
        env={**env, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return data_dir


@dataclass
class Deployment:
    """deploy/dagster.yaml as shipped, its variables set as a service manager would, a data dir with
    the embedded run's raw files, and two Celery workers."""

    data_dir: Path
    env: dict[str, str]
    workers: list[CeleryWorker]

    def probe(self, what: str, run_id: str) -> dict:
        """What tests/distributed/probes.py reads of a run from the deployment's instance."""
        done = subprocess.run(
            [sys.executable, "-m", "tests.distributed.probes", what, run_id],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)


@pytest.fixture
def deployment(servers, embedded: Path, tmp_path: Path):
    postgres, redis = servers
    data_dir = tmp_path / "data"
    shutil.copytree(embedded / "raw", data_dir / "raw")
    database = f"dagster_{tmp_path.name}".replace("-", "_").lower()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "PIPELINE_PSEUDONYM_KEY": KEY,
        "PIPELINE_DATA_DIR": str(data_dir),
        **deployment_environment(tmp_path / "dagster", postgres, database, redis),
    }
    workers = [CeleryWorker(name, env, tmp_path / f"{name}.log") for name in ("worker1", "worker2")]
    try:
        for worker in workers:
            worker.start()
        yield Deployment(data_dir, env, workers)
    finally:
        for worker in workers:
            worker.stop()
        # Flush the broker: a task left by a killed run must not reach the next test's workers.
        subprocess.run(["redis-cli", "-p", str(redis.port), "flushall"], capture_output=True)


def _rows(warehouse: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        # table: one of COMPARED, never input
        return connection.execute(f"select * from {table} order by all").fetchall()  # noqa: S608


def assert_same_warehouse(embedded: Path, distributed: Path) -> None:
    """Every table of the analysts' warehouse, row for row."""
    for table in COMPARED:
        expected = _rows(embedded / "marts" / "coverage.duckdb", table)
        assert expected, f"{table} is empty: the comparison would prove nothing"
        assert _rows(distributed / "marts" / "coverage.duckdb", table) == expected, table


def test_a_queued_run_on_celery_workers_survives_a_worker_killed_mid_month_and_builds_the_embedded_marts(
    deployment, embedded
):
    """The path of the UI, the schedule, the sensor and backfills: a launched run waits in the queue
    (QueuedRunCoordinator), dagster-daemon starts its coordinator (DefaultRunLauncher), and the steps
    go to the workers. Mid-month, the worker process ingesting the rolls is SIGKILLed, as the
    kernel's OOM killer or a lost machine would: its task goes back to the queue
    (pipeline/executor.py), a worker runs the step again after clearing what the dead one half-built,
    and the run ends with the embedded run's warehouse. (The daemon's sensor may queue runs of its
    own for the new raw files: they wait behind this one, and are left queued when the daemon stops.)"""
    workspace = ["-w", str(PROJECT_ROOT / "deploy" / "workspace.yaml")]
    run_id = str(uuid.uuid4())
    launched = subprocess.run(
        [sys.executable, "-m", "dagster", "job", "launch", *workspace, "-j", "pipeline_job"]
        + ["--run-id", run_id, "--tags", json.dumps(month_range_tags(MONTHS))],
        cwd=PROJECT_ROOT,
        env=deployment.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert launched.returncode == 0, launched.stderr[-3000:]
    assert deployment.probe("run_status", run_id)["status"] == "QUEUED"

    daemon_log = deployment.data_dir.parent / "daemon.log"
    daemon = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run", *workspace],
        cwd=PROJECT_ROOT,
        env=deployment.env,
        stdout=daemon_log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    work = deployment.data_dir / "marts" / "_work"
    building = work / "rolls_building"
    try:
        deadline = time.monotonic() + 300
        while not (building.is_dir() and any(building.iterdir())):
            assert daemon.poll() is None, daemon_log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "no roll month was being ingested within 300 s"
            time.sleep(0.005)
        # The step holding the warehouse lock wrote its pid there (pipeline/lock.py).
        killed = int((work / "pipeline.lock").read_text().strip())
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 600
        while (outcome := deployment.probe("run_status", run_id))["status"] not in ("SUCCESS", "FAILURE"):
            assert time.monotonic() < deadline, f"the run is still {outcome['status']} after 600 s"
            time.sleep(2)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)
    assert outcome["status"] == "SUCCESS", daemon_log.read_text(errors="replace")[-5000:]
    rolls = outcome["started"]["staging__rolls"]
    assert len(rolls) == 2 and rolls[0] == killed and rolls[1] != killed
    assert_same_warehouse(embedded, deployment.data_dir)
    # What the killed process was building is gone (remove_stale_builds, under the lock).
    assert not any(building.iterdir())

    # The steps ran on the workers, both of them, and not in the process that coordinated the run.
    pids = deployment.probe("step_pids", run_id)
    assert pids["steps"] > 20
    assert pids["coordinator"] not in pids["step_pids"]
    assert len(pids["step_pids"]) >= 2
    for worker in deployment.workers:
        assert "Task execute_plan" in worker.log.read_text(errors="replace"), worker.name

    # One step at a time holds the working database, by Dagster's pool (deploy/dagster.yaml), not
    # only by the file lock: no two attempts overlap, the killed one included.
    attempts = sorted(deployment.probe("step_attempts", run_id)["attempts"], key=lambda a: a["start"])
    assert all(a["end"] is not None for a in attempts)
    overlapping = [(a["step"], b["step"]) for a, b in itertools.pairwise(attempts) if b["start"] < a["end"]]
    assert not overlapping
