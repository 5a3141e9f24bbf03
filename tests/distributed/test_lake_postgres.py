"""pipeline/lake.py on a real PostgreSQL catalog, the lake a deployment's workers would share
(docs/deployment.md, "Next: the lake"): two processes replace different months of one table at the
same time, each commit retried whole on conflict, while a third reads every month in one snapshot
after another and never sees a month half-replaced; a writer killed before its commit leaves the lake
as it was, and the same replacement then completes.

Run alone with ``pytest -m distributed``. Without PostgreSQL installed the test skips, except under CI,
where ``.ci/run`` installs it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.lake import attach_lake, commit_retried
from tests.distributed.servers import Postgres, postgres_bin

pytestmark = [pytest.mark.slow, pytest.mark.distributed]

MONTHS = ("2025-07-31", "2025-08-31")
ROWS = 20_000  # a month's rows: more than DuckLake inlines into the catalog, so real data files
ROUNDS = 8  # replacements per writer


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory):
    if postgres_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("postgresql missing: .ci/run installs it from Debian's packages")
        pytest.skip("postgresql not installed (apt-get install postgresql)")
    server = Postgres(tmp_path_factory.mktemp("lake-servers") / "postgres").start()
    try:
        yield server
    finally:
        server.stop()


def open_lake(catalog: str, data_path: str) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    attach_lake(connection, catalog, data_path)
    return connection


def write_aside(connection: duckdb.DuckDBPyConnection, data_path: str, month: str, generation: int) -> Path:
    path = Path(data_path) / "aside" / f"period={month}" / f"{generation}-{os.getpid()}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    connection.sql(
        "select $month::date as period, i as person, $generation::integer as generation "
        "from range($rows) as t (i)",
        params={"month": month, "generation": generation, "rows": ROWS},
    ).write_parquet(str(path))
    return path


def replace_month(connection: duckdb.DuckDBPyConnection, month: str, path: Path) -> None:
    connection.execute("delete from lake.rolls where period = $month", {"month": month})
    connection.execute("call ducklake_add_data_files('lake', 'rolls', $path)", {"path": str(path)})


def months(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    return connection.execute(
        "select period::varchar, count(*), min(generation), max(generation) from lake.rolls "
        "group by all order by 1"
    ).fetchall()


# Child processes (spawned: a fork would copy the parent's DuckDB threads). Each puts one result.


def writer(catalog: str, data_path: str, month: str, results) -> None:
    connection = open_lake(catalog, data_path)
    started, retries = time.time(), 0
    for generation in range(1, ROUNDS + 1):
        path = write_aside(connection, data_path, month, generation)
        retries += commit_retried(connection, lambda p=path: replace_month(connection, month, p))[1]
    results.put(("writer", month, started, time.time(), retries))


def reader(catalog: str, data_path: str, stop, results) -> None:
    connection = open_lake(catalog, data_path)
    snapshots, torn = 0, []
    while not stop.is_set() or snapshots == 0:
        connection.execute("begin")  # one snapshot for the whole query
        seen = months(connection)
        connection.execute("commit")
        snapshots += 1
        torn += [m for m in seen if m[1] != ROWS or m[2] != m[3]]
    results.put(("reader", snapshots, torn))


def killed_before_commit(catalog: str, data_path: str, month: str, path: str, ready: str) -> None:
    connection = open_lake(catalog, data_path)
    connection.execute("begin")
    replace_month(connection, month, Path(path))
    Path(ready).touch()
    time.sleep(600)  # killed here, before its commit


def test_two_writers_replace_their_months_at_once_and_a_reader_sees_only_whole_months(
    postgres: Postgres, tmp_path: Path
) -> None:
    postgres.create_database("lake")
    catalog = f"postgres:dbname=lake host=127.0.0.1 port={postgres.port} user=postgres"
    data_path = str(tmp_path / "lake-files")
    setup = open_lake(catalog, data_path)
    setup.execute("create table lake.rolls (period date, person bigint, generation integer)")
    setup.execute("alter table lake.rolls set partitioned by (period)")
    for month in MONTHS:
        path = write_aside(setup, data_path, month, 0)
        commit_retried(setup, lambda m=month, p=path: replace_month(setup, m, p))
    assert months(setup) == [(month, ROWS, 0, 0) for month in MONTHS]

    spawn = multiprocessing.get_context("spawn")
    results, stop = spawn.Queue(), spawn.Event()
    watcher = spawn.Process(target=reader, args=(catalog, data_path, stop, results))
    watcher.start()
    writers = [spawn.Process(target=writer, args=(catalog, data_path, m, results)) for m in MONTHS]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=180)
    stop.set()
    watcher.join(timeout=60)
    assert [p.exitcode for p in (*writers, watcher)] == [0, 0, 0]
    outcome = [results.get(timeout=10) for _ in range(3)]

    spans = sorted((start, end) for kind, _, start, end, _ in (o for o in outcome if o[0] == "writer"))
    assert spans[1][0] < spans[0][1], "the two writers' replacements overlapped in time"
    (_, snapshots, torn) = next(o for o in outcome if o[0] == "reader")
    assert snapshots > 0
    assert torn == [], "a reader saw a month half-replaced or mixed"
    assert months(setup) == [(month, ROWS, ROUNDS, ROUNDS) for month in MONTHS]

    # A writer killed after its delete and registration, before its commit: nothing of it shows.
    before = months(setup)
    path = write_aside(setup, data_path, MONTHS[0], 99)
    ready = tmp_path / "ready"
    victim = spawn.Process(
        target=killed_before_commit, args=(catalog, data_path, MONTHS[0], str(path), str(ready))
    )
    victim.start()
    deadline = time.monotonic() + 60
    while not ready.exists() and victim.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), "the writer to be killed did not reach its commit"
    os.kill(victim.pid, signal.SIGKILL)
    victim.join()
    fresh = open_lake(catalog, data_path)
    assert months(fresh) == before
    commit_retried(fresh, lambda: replace_month(fresh, MONTHS[0], path))
    assert months(fresh) == [(MONTHS[0], ROWS, 99, 99), (MONTHS[1], ROWS, ROUNDS, ROUNDS)]


def test_a_commit_beaten_by_another_machines_commit_is_retried_whole(
    postgres: Postgres, tmp_path: Path
) -> None:
    """The conflict made certain: two separate DuckDB instances (as on two machines) on one catalog,
    the second committing between the first's replacement and its commit."""
    postgres.create_database("lake_conflict")
    catalog = f"postgres:dbname=lake_conflict host=127.0.0.1 port={postgres.port} user=postgres"
    data_path = str(tmp_path / "lake-files")
    first, second = open_lake(catalog, data_path), open_lake(catalog, data_path)
    first.execute("create table lake.rolls (period date, person bigint, generation integer)")
    first.execute("alter table lake.rolls set partitioned by (period)")
    for month in MONTHS:
        path = write_aside(first, data_path, month, 0)
        commit_retried(first, lambda m=month, p=path: replace_month(first, m, p))
    july, august = write_aside(second, data_path, MONTHS[0], 1), write_aside(first, data_path, MONTHS[1], 1)
    attempts = []

    def replace_august() -> None:
        attempts.append(1)
        replace_month(first, MONTHS[1], august)
        if len(attempts) == 1:
            second.execute("begin")
            replace_month(second, MONTHS[0], july)
            second.execute("commit")

    assert commit_retried(first, replace_august, pause_s=0)[1] == 1
    assert months(open_lake(catalog, data_path)) == [(month, ROWS, 1, 1) for month in MONTHS]
