"""The same definitions on a deployment beyond one process (deploy/, docs/deployment.md): Dagster's
runs and event log in a real PostgreSQL, the steps on two real Celery workers fed by a real Redis,
all on loopback, started and stopped here. Compared with the embedded default on the same raw files.

Run alone with ``pytest -m distributed``. Without PostgreSQL or Redis installed the tests skip,
except under CI, where ``.ci/run`` installs them and a skip would hide a broken set-up."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.runner import month_range_tags
from pipeline.settings import PROJECT_ROOT, DataPaths
from tests.distributed.servers import (
    CeleryWorker,
    Deployment,
    Postgres,
    Redis,
    deployment_environment,
    missing_servers,
    prepare_instance,
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


PERSON_MONTH_STEPS = {"staging__rolls", "staging__residents"}


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
    # Two months ingested at a time (one per worker), and nothing the daemon would start by itself.
    prepare_instance(env, person_month_slots=2)
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
    and the run ends with the embedded run's warehouse. The working database is a lake whose catalog
    is in PostgreSQL: the killed step's transaction was never committed there."""
    run_id = deployment.launch("pipeline_job", month_range_tags(MONTHS))
    assert deployment.probe("run_status", run_id)["status"] == "QUEUED"
    daemon = deployment.start_daemon()
    building = deployment.data_dir / "marts" / "_work" / "rolls_building"
    try:
        deadline = time.monotonic() + 300
        while not (building.is_dir() and any(building.iterdir())):
            assert daemon.poll() is None, deployment.daemon_log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "no roll month was being ingested within 300 s"
            time.sleep(0.005)
        # The month being built is named after the process building it (<month>.<pid>.<tag>).
        killed = int(next(building.iterdir()).name.split(".")[1])
        os.kill(killed, signal.SIGKILL)
        deployment.wait_for([run_id], daemon)
        outcome = deployment.probe("run_status", run_id)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)
    assert outcome["status"] == "SUCCESS", deployment.daemon_log.read_text(errors="replace")[-5000:]
    rolls = outcome["started"]["staging__rolls"]
    assert len(rolls) == 2 and rolls[0] == killed and rolls[1] != killed
    assert_same_warehouse(embedded, deployment.data_dir)
    # What the killed process was building is gone (remove_stale_builds, when the step ran again).
    assert not any(building.iterdir())

    # The steps ran on the workers, both of them, and not in the process that coordinated the run.
    pids = deployment.probe("step_pids", run_id)
    assert pids["steps"] > 20
    assert pids["coordinator"] not in pids["step_pids"]
    assert len(pids["step_pids"]) >= 2
    for worker in deployment.workers:
        assert "Task execute_plan" in worker.log.read_text(errors="replace"), worker.name

    # One step at a time writes the working database outside the person-level months, by Dagster's
    # pool (deploy/dagster.yaml): no two of those attempts overlap.
    attempts = deployment.probe("step_attempts", run_id)["attempts"]
    assert all(a["end"] is not None for a in attempts)
    single = sorted((a for a in attempts if a["step"] not in PERSON_MONTH_STEPS), key=lambda a: a["start"])
    overlapping = [(a["step"], b["step"]) for a, b in itertools.pairwise(single) if b["start"] < a["end"]]
    assert not overlapping


def read_ledgers_until(catalog: str, data_path: str, stop: str, found: str) -> None:
    """A reader of the lake during a backfill (spawned): one snapshot after another, each read in one
    transaction, checks every roll month there: its person-level rows stored = rows accepted by its
    ledger, rows read = accepted + quarantined, and its rows, key row, file rows and rows read all
    there or all absent. Writes what it saw."""
    import duckdb

    from pipeline.lake import attach_lake

    snapshots, torn, months_seen = 0, [], set()
    connection = None
    while not Path(stop).exists():
        try:
            if connection is None:
                connection = duckdb.connect()
                attach_lake(connection, catalog, data_path, read_only=True)
            connection.execute("begin")
            rows = connection.execute(LEDGER_SQL).fetchall()
            connection.execute("commit")
        except duckdb.Error:  # the lake or its tables do not exist yet
            if connection is not None:
                connection.close()
            connection = None
            time.sleep(0.05)
            continue
        snapshots += 1
        for month, stored, keyed, files_read, rows_read, accepted, quarantined in rows:
            months_seen.add(month)
            if not (keyed and files_read and stored == accepted and rows_read == accepted + quarantined):
                torn.append([month, stored, keyed, files_read, rows_read, accepted, quarantined])
    Path(found).write_text(json.dumps({"snapshots": snapshots, "torn": torn, "months": sorted(months_seen)}))


# Per roll month present in the lake: its person-level rows, whether its key row is there, its files,
# rows read, rows accepted and rows quarantined (pipeline/ingest.py registers the month's file and
# writes its ledger in one transaction).
LEDGER_SQL = """
with months as (
    select strftime(period, '%Y-%m') as partition_key from lake.staging.rolls_months
    union select partition_key from lake.staging.roll_month_keys
    union select partition_key from lake.staging.roll_files
    union select partition_key from lake.staging.ingested_files where source = 'rolls'
)
select
    m.partition_key,
    (select count(*) from lake.staging.rolls_months r
     where r.period = last_day(strptime(m.partition_key, '%Y-%m'))::date),
    (select count(*) from lake.staging.roll_month_keys k where k.partition_key = m.partition_key) = 1,
    (select count(*) from lake.staging.ingested_files f
     where f.source = 'rolls' and f.partition_key = m.partition_key),
    (select coalesce(sum(rows_read), 0) from lake.staging.ingested_files f
     where f.source = 'rolls' and f.partition_key = m.partition_key),
    (select coalesce(sum(accepted), 0) from lake.staging.roll_files r
     where r.partition_key = m.partition_key),
    (select count(*) from lake.staging.quarantine q
     where q.source = 'rolls' and q.partition_key = m.partition_key)
from months as m
"""


def test_a_backfill_ingests_two_months_at_once_on_two_workers_while_a_reader_sees_whole_snapshots(
    deployment, embedded
):
    """A backfill as docs/deployment.md runs it on workers sharing a lake: the reference data, then
    one person_months_job run per month, queued together, whose roll and register steps the two
    workers run at the same time (pool person_months, limit 2); then one run of everything else over
    the range. Meanwhile a reader of the lake checks each month's rows against its ledger in every
    snapshot it reads.
    The result is the embedded run's warehouse, row for row."""
    stop, found = deployment.data_dir.parent / "stop-reader", deployment.data_dir.parent / "reader.json"
    catalog, files = deployment.env["PIPELINE_LAKE_CATALOG"], DataPaths(deployment.data_dir).lake_files
    reader = multiprocessing.get_context("spawn").Process(
        target=read_ledgers_until, args=(catalog, str(files), str(stop), str(found))
    )
    daemon = deployment.start_daemon()
    try:
        runs = deployment.backfill(MONTHS[0], MONTHS[1], daemon, on_months_queued=reader.start)
    finally:
        stop.touch()
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)
        if reader.pid is not None:
            reader.join(timeout=60)
    assert_same_warehouse(embedded, deployment.data_dir)

    # The reader saw both months arrive, and never a month's rows or ledger half-written.
    seen = json.loads(found.read_text())
    assert seen["torn"] == []
    assert seen["months"] == list(MONTHS)
    assert seen["snapshots"] > 10

    # The two months' steps ran at the same time, by the event log's clock.
    steps = [
        [a for a in deployment.probe("step_attempts", run_id)["attempts"] if a["step"] in PERSON_MONTH_STEPS]
        for run_id in runs["months"]
    ]
    assert all(len(run_steps) == 2 for run_steps in steps)
    overlaps = [
        (a["step"], b["step"])
        for a in steps[0]
        for b in steps[1]
        if a["start"] < b["end"] and b["start"] < a["end"]
    ]
    assert overlaps, steps
