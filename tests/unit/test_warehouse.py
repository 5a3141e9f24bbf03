"""Running SQL files with bound parameters, and atomic publication."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline import warehouse
from pipeline.settings import DataPaths
from pipeline.warehouse import Table


def test_each_statement_of_a_sql_file_gets_the_parameters_it_uses(tmp_path: Path, monkeypatch):
    sql_dir = tmp_path / "sql"
    (sql_dir / "demo").mkdir(parents=True)
    (sql_dir / "demo" / "two.sql").write_text(
        "create table t as select $a::int as a;\n"
        "insert into t select $b::int + 1;\n"
        "select sum(a) from t where a > $a"
    )
    monkeypatch.setattr(warehouse, "SQL_DIR", sql_dir)
    with duckdb.connect() as connection:
        result = warehouse.run_sql(connection, "demo/two.sql", {"a": 1, "b": 41, "unused": "x"}).fetchone()
    assert result == (42,)


def test_publish_replaces_the_warehouse_whole_and_leaves_no_temporary_files(tmp_path: Path, monkeypatch):
    sql_dir = tmp_path / "sql"
    (sql_dir / "t").mkdir(parents=True)
    (sql_dir / "t" / "numbers.sql").write_text(
        "create schema if not exists ref;\ncreate or replace table ref.numbers (n integer, label varchar);\n"
        "comment on table ref.numbers is 'Numbers for a test';"
    )
    monkeypatch.setattr(warehouse, "SQL_DIR", sql_dir)
    table = Table("ref.numbers", "t/numbers.sql")
    paths = DataPaths(tmp_path / "data")
    # A half-built file from a killed run (pid that cannot exist) is cleaned up on the next publish.
    paths.marts.mkdir(parents=True)
    stale = paths.marts / ".coverage.duckdb.999999999.deadbeef.building"
    stale.write_bytes(b"half written")

    for generation in (1, 2):
        with warehouse.connect_work(paths) as work:
            warehouse.load_table(
                work, table, pl.DataFrame({"label": ["x"] * generation, "n": list(range(generation))})
            )
            publication = warehouse.publish(work, paths, (table,))
        assert publication.row_counts == {"ref.numbers": generation}
        with duckdb.connect(str(paths.warehouse), read_only=True) as reader:
            assert reader.execute("select count(*) from ref.numbers").fetchone() == (generation,)
            assert reader.execute(
                "select comment from duckdb_tables() where table_name = 'numbers'"
            ).fetchone() == ("Numbers for a test",)
    assert sorted(p.name for p in paths.marts.iterdir()) == ["_work", "coverage.duckdb"]


def test_a_failed_load_keeps_the_previous_table_contents(tmp_path: Path, monkeypatch):
    sql_dir = tmp_path / "sql"
    (sql_dir / "t").mkdir(parents=True)
    (sql_dir / "t" / "numbers.sql").write_text(
        "create schema if not exists ref;\ncreate or replace table ref.numbers (n integer not null);"
    )
    monkeypatch.setattr(warehouse, "SQL_DIR", sql_dir)
    table = Table("ref.numbers", "t/numbers.sql")
    with duckdb.connect() as connection:
        warehouse.load_table(connection, table, pl.DataFrame({"n": [1, 2, 3]}))
        with pytest.raises(duckdb.ConstraintException):
            warehouse.load_table(connection, table, pl.DataFrame({"n": [4, None]}))
        assert connection.execute("select list(n order by n) from ref.numbers").fetchone() == ([1, 2, 3],)


def test_stale_builds_of_a_live_process_are_left_alone(tmp_path: Path):
    paths = DataPaths(tmp_path)
    paths.marts.mkdir(parents=True)
    mine = paths.marts / f".coverage.duckdb.{os.getpid()}.abcdef12.building"
    mine.write_bytes(b"in progress")
    assert warehouse.remove_stale_builds(paths) == []
    assert mine.exists()
