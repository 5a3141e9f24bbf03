"""Spike (issue 14, 2026-12-04): can several processes replace different months of one DuckLake table
whose catalog is in PostgreSQL, while a reader sees only whole months, and does a writer killed before
its commit leave the lake as it was?

Not part of the pipeline, which does not use the lake yet; it uses pipeline/lake.py (the extensions
from the pinned wheels, the whole-transaction retry), and tests/distributed/test_lake_postgres.py
checks the same behaviour on every CI run. Run it against a PostgreSQL database that exists and is
empty:

    createdb -h 127.0.0.1 -p PORT -U postgres lake
    .venv/bin/python docs/spikes/ducklake_month_swap.py \
        --catalog "postgres:dbname=lake host=127.0.0.1 port=PORT user=postgres" --data-path /tmp/lake-files

A month is replaced the way the pipeline would: its Parquet file is written aside first (outside any
transaction), then one transaction deletes the month's rows and registers the new file
(``ducklake_add_data_files``: no copy). Two such transactions on different months can conflict at
commit; the writer then retries the whole transaction, which is cheap because the file is already
written. Findings are in docs/deployment.md, "Next: the lake".
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import time
from pathlib import Path

import duckdb

from pipeline.lake import attach_lake, commit_retried

MONTHS = ("2025-07-01", "2025-08-01")


def connect(catalog: str, data_path: str) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    attach_lake(connection, catalog, data_path)
    return connection


def write_aside(
    connection: duckdb.DuckDBPyConnection, path: Path, month: str, generation: int, rows: int
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows_of_month = connection.sql(
        "select $month::date as period, i as person, $generation::integer as generation "
        "from range($rows) as t (i)",
        params={"month": month, "generation": generation, "rows": rows},
    )
    rows_of_month.write_parquet(str(path))


def replace_month(connection: duckdb.DuckDBPyConnection, month: str, path: Path) -> int:
    """Delete the month and register its new file in one transaction, retried whole; returns retries."""

    def swap() -> None:
        connection.execute("delete from lake.rolls where period = ?", [month])
        connection.execute("call ducklake_add_data_files('lake', 'rolls', ?)", [str(path)])

    return commit_retried(connection, swap)[1]


def writer(args, month: str, results) -> None:
    connection = connect(args.catalog, args.data_path)
    retries = 0
    started = time.perf_counter()
    for generation in range(args.rounds):
        path = Path(args.data_path) / "aside" / f"period={month}" / f"{generation}-{os.getpid()}.parquet"
        write_aside(connection, path, month, generation, args.rows)
        retries += replace_month(connection, month, path)
    results.put(
        f"writer {month}: {args.rounds} replacements, {retries} whole-transaction retries, "
        f"{time.perf_counter() - started:.2f} s"
    )


def months_now(connection: duckdb.DuckDBPyConnection) -> list[tuple]:
    return connection.execute(
        "select period, count(*), min(generation), max(generation) from lake.rolls group by 1 order by 1"
    ).fetchall()


def reader(args, stop, results) -> None:
    connection = connect(args.catalog, args.data_path)
    snapshots = torn = 0
    while not stop.is_set():
        connection.execute("begin")  # one snapshot for the whole query
        for _period, rows, lowest, highest in months_now(connection):
            torn += rows != args.rows or lowest != highest
        connection.execute("commit")
        snapshots += 1
    results.put(f"reader: {snapshots} snapshots read, {torn} months seen incomplete or mixed")


def killed_before_commit(args, month: str, path: str, ready: str) -> None:
    connection = connect(args.catalog, args.data_path)
    connection.execute("begin")
    connection.execute("delete from lake.rolls where period = ?", [month])
    connection.execute("call ducklake_add_data_files('lake', 'rolls', ?)", [path])
    Path(ready).touch()
    time.sleep(600)  # killed here, before the commit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", required=True, help="DuckLake catalog, e.g. postgres:dbname=lake host=…")
    parser.add_argument("--data-path", required=True)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    connection = connect(args.catalog, args.data_path)
    connection.execute("create table lake.rolls (period date, person bigint, generation integer)")
    connection.execute("alter table lake.rolls set partitioned by (period)")

    results, stop = mp.Queue(), mp.Event()
    watcher = mp.Process(target=reader, args=(args, stop, results))
    watcher.start()
    writers = [mp.Process(target=writer, args=(args, month, results)) for month in MONTHS]
    for process in writers:
        process.start()
    for process in writers:
        process.join()
    stop.set()
    watcher.join()
    failed = [p.exitcode for p in (*writers, watcher) if p.exitcode != 0]
    for _ in range(len(writers) + 1 - len(failed)):
        print(results.get())
    if failed:
        raise SystemExit(f"{len(failed)} process(es) failed: see their tracebacks above")

    before = months_now(connection)
    path = Path(args.data_path) / "aside" / f"period={MONTHS[0]}" / "killed.parquet"
    write_aside(connection, path, MONTHS[0], 99, 5)
    ready = Path(args.data_path) / "ready"
    victim = mp.Process(target=killed_before_commit, args=(args, MONTHS[0], str(path), str(ready)))
    victim.start()
    while not ready.exists():
        time.sleep(0.1)
    os.kill(victim.pid, signal.SIGKILL)
    victim.join()
    after = connect(args.catalog, args.data_path)
    print(f"writer killed before its commit: lake unchanged: {months_now(after) == before}")
    replace_month(after, MONTHS[0], path)
    print(f"the same replacement retried: {months_now(after)}")


if __name__ == "__main__":
    main()
