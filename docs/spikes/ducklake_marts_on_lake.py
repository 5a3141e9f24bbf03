"""Spike (issue 14, step 2, 2026-12-05): do the marts SQL files run unchanged on a DuckLake that holds
the whole working database, and what does it cost against the working DuckDB file?

Not part of the pipeline. It takes a working database the pipeline built (``<data dir>/marts/_work/``:
``pipeline.duckdb`` and the month files under ``rolls/``), copies every table into a local DuckLake
(the months are registered as they are, with ``ducklake_add_data_files``: no copy), then builds the
marts of the same periods (``pipeline.marts.build_period``) on a copy of the DuckDB file and on the
lake, alternately, and compares their rows:

    .venv/bin/python docs/spikes/ducklake_marts_on_lake.py /tmp/coverage-bench/scale-0.01-2023-01-2025-12 \\
        --periods 2025-11,2025-12 --rounds 2

The SQL runs on the lake as it is (until 2026-12-05 one ``insert or ignore`` was rewritten here: DuckLake
has no keys, and the SQL no longer uses one). Findings are in docs/deployment.md, "Next: the lake".
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from pipeline import marts, warehouse
from pipeline.lake import attach_lake
from pipeline.warehouse import read_sql


def copy_into_lake(work_db: Path, months: Path, lake_root: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    attach_lake(connection, str(lake_root / "catalog.ducklake"), lake_root / "files")
    connection.execute(f"attach '{work_db}' as work (read_only)")
    tables = connection.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'work'"
    ).fetchall()
    views = connection.execute(
        "select schema_name, view_name, sql from duckdb_views() where database_name = 'work' and not internal"
    ).fetchall()
    for schema in sorted({s for s, _ in tables} | {s for s, _, _ in views}):
        connection.execute(f"create schema if not exists lake.{schema}")
    for schema, table in tables:
        # Names from the working database's own catalog, not from data.
        connection.execute(f"create table lake.{schema}.{table} as select * from work.{schema}.{table}")  # noqa: S608
    # The months: one table partitioned by period, each month's file registered where it lies.
    files = sorted(months.glob("period=*/part.parquet"))
    first = files[0]
    connection.execute(
        f"create table lake.staging.roll_rows as select * from read_parquet('{first}', "  # noqa: S608
        "hive_partitioning = true, hive_types = {'period': date}) limit 0"
    )
    connection.execute("alter table lake.staging.roll_rows set partitioned by (period)")
    for path in files:
        connection.execute(
            "call ducklake_add_data_files('lake', 'roll_rows', ?, schema => 'staging')", [str(path)]
        )
    connection.execute("detach work")
    connection.execute("use lake")
    for schema, view, sql in views:
        if (schema, view) == ("staging", "rolls"):
            sql = read_sql("staging/rolls_view.sql").split("create or replace view", 1)[1]
            sql = "create or replace view" + sql.split(";", 1)[0].replace(
                "from read_parquet($rolls_glob, hive_partitioning = true, hive_types = { 'period': date })",
                "from staging.roll_rows",
            )
        connection.execute(sql)
    return connection


def build(connection: duckdb.DuckDBPyConnection, periods: list[str]) -> float:
    started = time.perf_counter()
    for period in periods:
        marts.build_period(connection, period)
    return time.perf_counter() - started


def rows(connection: duckdb.DuckDBPyConnection, periods: list[str]) -> dict[str, list]:
    found = {}
    for mart in marts.MART_SQL:
        found[mart] = connection.execute(
            f"select * from marts.{mart} where period in (select unnest($periods)::date) order by all",  # noqa: S608
            {"periods": [marts.period_parameters(p)["period"].isoformat() for p in periods]},
        ).fetchall()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--periods", default="2025-11,2025-12")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    periods = args.periods.split(",")
    work = args.data_dir / "marts" / "_work"
    with tempfile.TemporaryDirectory(prefix="lake-spike.") as scratch:
        scratch = Path(scratch)
        started = time.perf_counter()
        lake = copy_into_lake(work / "pipeline.duckdb", work / "rolls", scratch / "lake")
        print(f"copied the working database into a local lake in {time.perf_counter() - started:.1f} s")
        copy = scratch / "pipeline.duckdb"
        shutil.copy(work / "pipeline.duckdb", copy)
        file_db = duckdb.connect(str(copy))
        warehouse.define_month_view(file_db, "rolls", work / "rolls")
        for round_number in range(1, args.rounds + 1):
            file_s = build(file_db, periods)
            lake_s = build(lake, periods)
            print(
                f"round {round_number}: marts of {periods} "
                f"on the DuckDB file {file_s:.2f} s, on the lake {lake_s:.2f} s"
            )
        same = rows(file_db, periods) == rows(lake, periods)
        print(f"the same mart rows on both: {same}")
        # The lake's own record that the builds wrote to it (each commit is a snapshot).
        snapshots = lake.execute("select count(*) from ducklake_snapshots('lake')").fetchone()[0]
        print(f"lake snapshots after the copy and {args.rounds} round(s) of builds: {snapshots}")


if __name__ == "__main__":
    main()
