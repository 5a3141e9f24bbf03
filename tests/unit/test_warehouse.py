"""Running SQL files with bound parameters, and atomic publication."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline import summary, warehouse
from pipeline.settings import DataPaths
from pipeline.warehouse import SCHEMA_VERSION, SchemaTooNew, Table, connect_work, run_sql


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
    shutil.copytree(warehouse.SQL_DIR / "migrations", sql_dir / "migrations")  # every connection uses them
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


@pytest.mark.parametrize(
    ("gone", "live", "content"),
    [
        # A killed ingestion's month with its pending files (GBs at national scale).
        (
            "rolls_building/2025-07.{pid}.abcdef12",
            "residents_building/2025-07.{pid}.12345678",
            "pending-00001.parquet",
        ),
        # A killed outreach command's Parquet copy of a large register CSV (names).
        ("outreach_building/csv.{pid}.x1y2z3", "outreach_building/csv.{pid}.a1b2c3", "csv.parquet"),
    ],
)
def test_what_a_process_that_is_gone_was_building_is_removed_and_a_live_ones_kept(
    tmp_path: Path, gone: str, live: str, content: str
):
    """The next writer clears what a killed process left in the working area, never what a live
    process is building."""
    paths = DataPaths(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone_path = paths.work_dir / gone.format(pid=dead.pid)
    live_path = paths.work_dir / live.format(pid=os.getpid())
    for building in (gone_path, live_path):
        building.mkdir(parents=True)
        (building / content).write_bytes(b"half written")
    assert warehouse.remove_stale_builds(paths) == [gone_path]
    assert not gone_path.exists() and (live_path / content).exists()


def test_a_dead_process_build_of_another_machine_is_left_to_that_machine(tmp_path: Path):
    """On a data dir shared by several machines a pid means nothing elsewhere: a build named by
    another machine's tag is kept, this machine's dead one removed."""
    paths = DataPaths(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    other_tag = "000000" if warehouse.HOST_TAG != "000000" else "ffffff"
    here = paths.work_dir / "rolls_building" / f"2025-07.{dead.pid}.{warehouse.HOST_TAG}abcdef12"
    elsewhere = paths.work_dir / "rolls_building" / f"2025-08.{dead.pid}.{other_tag}abcdef12"
    for building in (here, elsewhere):
        building.mkdir(parents=True)
    assert warehouse.build_name("2025-07").split(".")[1] == str(os.getpid())
    assert warehouse.remove_stale_builds(paths) == [here]
    assert elsewhere.exists()


class _BeatenOnce:
    """A connection whose first statements lose their commit to another writer's, as on a shared
    lake; then it runs them on DuckDB."""

    def __init__(self, error: str, times: int):
        self.real, self.error, self.times, self.calls = duckdb.connect(), error, times, 0

    def execute(self, statement, params=None):
        self.calls += 1
        if self.calls <= self.times:
            raise duckdb.TransactionException(self.error)
        return self.real.execute(statement, params)

    def register(self, *_):
        pass

    def unregister(self, *_):
        pass


def test_a_statement_beaten_by_another_writers_commit_runs_again_and_other_transaction_errors_do_not(
    tmp_path: Path, monkeypatch
):
    sql_dir = tmp_path / "sql"
    (sql_dir / "demo").mkdir(parents=True)
    (sql_dir / "demo" / "one.sql").write_text("create table t as select 42 as a")
    monkeypatch.setattr(warehouse, "SQL_DIR", sql_dir)
    monkeypatch.setattr(warehouse, "LAKE_CONFLICT_PAUSE_S", 0)
    beaten = _BeatenOnce(f"TransactionContext Error: Failed to commit: {warehouse.LAKE_CONFLICT}.", times=2)
    warehouse.run_sql(beaten, "demo/one.sql")
    assert beaten.calls == 3
    assert beaten.real.execute("select a from t").fetchall() == [(42,)]

    other = _BeatenOnce("cannot start a transaction within a transaction", times=1)
    with pytest.raises(duckdb.TransactionException, match="within a transaction"):
        warehouse.run_sql(other, "demo/one.sql")
    assert other.calls == 1


def _retention_row(connection, period: str, continuing: int) -> None:
    connection.execute(
        "insert into marts.retention values (?::date, 'current', date '2025-07-01', 'nation', 'VN', "
        "'Việt Nam', 'BHYT', ?, 0, 0, 0, false)",
        [period, continuing],
    )


def test_a_publication_in_step_with_the_warehouse_copies_only_the_periods_rebuilt_since(
    tmp_path: Path, connection
):
    """The nightly run must not rewrite years of marts: once the warehouse is the one the working
    database last published, only the periods rebuilt since are replaced; anything else copies all."""
    paths = DataPaths(tmp_path / "data")
    run_sql(connection, "marts/create_mart_tables.sql")
    run_sql(connection, warehouse.PUBLICATIONS.ddl)
    for month, continuing in (("2025-07-31", 1), ("2025-08-31", 2)):
        _retention_row(connection, month, continuing)
        run_sql(connection, "marts/unpublished_periods.sql", {"period": month})

    def published() -> list[tuple]:
        with duckdb.connect(str(paths.warehouse), read_only=True) as reader:
            return reader.execute(
                "select period::varchar, continuing from marts.retention order by period"
            ).fetchall()

    def run(run_id: str) -> warehouse.Publication:
        return warehouse.publish(
            connection, paths, record={"run_id": run_id, "checks_passed": [], "checks_warned": []}
        )

    assert not run("first").incremental  # nothing published yet: everything is copied
    assert published() == [("2025-07-31", 1), ("2025-08-31", 2)]

    connection.execute("update marts.retention set continuing = 20 where period = '2025-08-31'")
    run_sql(connection, "marts/unpublished_periods.sql", {"period": "2025-08-31"})
    # A change the pipeline did not record as rebuilt is not copied: proof that only the listed
    # period travelled (the pipeline itself never changes a period without listing it).
    connection.execute("update marts.retention set continuing = 10 where period = '2025-07-31'")
    second = run("second")
    assert second.incremental
    assert published() == [("2025-07-31", 1), ("2025-08-31", 20)]
    assert second.row_counts["marts.retention"] == 2
    with duckdb.connect(str(paths.warehouse), read_only=True) as reader:
        history = reader.execute("select run_id, row_counts from ref.publications order by 1").fetchall()
    assert [run_id for run_id, _ in history] == ["first", "second"]
    assert {"table_name": "marts.retention", "n_rows": 2} in history[1][1]

    # A working database whose history is not the warehouse's (rebuilt, or another one): copy all.
    connection.execute("delete from ref.publications where run_id = 'second'")
    assert not run("third").incremental
    assert published() == [("2025-07-31", 10), ("2025-08-31", 20)]


def test_recorded_and_printed_row_counts_are_exact_after_a_period_is_replaced(
    tmp_path: Path, connection, capsys
):
    """An incremental publication deletes the periods it replaces from a copy of the warehouse, so
    DuckDB's table statistics (duckdb_tables().estimated_size) overcount: ref.publications.row_counts,
    the run's metadata and the demo summary must hold count(*)."""
    paths = DataPaths(tmp_path / "data")
    run_sql(connection, "marts/create_mart_tables.sql")
    run_sql(connection, warehouse.PUBLICATIONS.ddl)
    # Ten months over three row groups (122,880 rows each): replacing one month leaves too many rows
    # for DuckDB to compact the groups, so the deleted rows stay in its table statistics.
    connection.execute(
        "insert into marts.retention select last_day(date '2025-01-01' + to_months(i % 10)), 'current', "
        "date '2025-07-01', 'commune', lpad((i % 100000)::varchar, 5, '0'), null, 'BHYT', 1, 0, 0, 0, "
        "false from range(300000) as numbers(i)"
    )
    for (month,) in connection.execute("select distinct period from marts.retention").fetchall():
        run_sql(connection, "marts/unpublished_periods.sql", {"period": month})
    record = {"checks_passed": [], "checks_warned": []}
    warehouse.publish(connection, paths, record={"run_id": "first", **record})
    # August re-run with fewer rows: the period is replaced, as the marts asset does.
    connection.execute("delete from marts.retention where period = '2025-08-31' and unit_code > '50000'")
    run_sql(connection, "marts/unpublished_periods.sql", {"period": "2025-08-31"})
    second = warehouse.publish(connection, paths, record={"run_id": "second", **record})
    assert second.incremental

    with duckdb.connect(str(paths.warehouse), read_only=True) as reader:
        exact = {
            table.name: reader.execute(f"select count(*) from {table.name}").fetchone()[0]  # noqa: S608
            for table in warehouse.PUBLISHED_TABLES
        }
        estimated = dict(
            reader.execute(
                "select schema_name || '.' || table_name, estimated_size from duckdb_tables()"
            ).fetchall()
        )
        recorded = reader.execute(
            "select row_counts from ref.publications where run_id = 'second'"
        ).fetchone()[0]
        assert summary.published_row_counts(reader) == sorted(exact.items())
    assert estimated["marts.retention"] > exact["marts.retention"]  # an estimate would be wrong here
    assert exact["ref.publications"] == 2
    assert {row["table_name"]: row["n_rows"] for row in recorded} == exact
    assert second.row_counts == exact

    summary.print_summary(paths)
    printed = capsys.readouterr().out
    for name, rows in exact.items():
        assert f"  {name:<28} {rows:>10,} rows" in printed


def test_a_new_working_database_is_stamped_with_the_current_layout(tmp_path):
    paths = DataPaths(tmp_path / "data")
    with connect_work(paths) as connection:
        assert connection.execute("select version from staging.schema_version").fetchall() == [
            (SCHEMA_VERSION,)
        ]


def test_a_working_database_from_before_versioning_is_migrated(tmp_path):
    paths = DataPaths(tmp_path / "data")
    paths.work_dir.mkdir(parents=True)
    with duckdb.connect(str(paths.work_db)) as old:  # the layout of version 1: no key fingerprints
        old.execute("create schema staging")
        old.execute(
            "create table staging.roll_files (partition_key varchar, source_file varchar, accepted bigint)"
        )
    with connect_work(paths) as connection:
        assert connection.execute("select max(version) from staging.schema_version").fetchall() == [
            (SCHEMA_VERSION,)
        ]
        assert connection.execute("select count(*) from staging.roll_month_keys").fetchone() == (0,)
        assert connection.execute("select count(*) from staging.resident_month_keys").fetchone() == (0,)


def test_a_working_database_of_a_newer_layout_is_refused_untouched(tmp_path):
    paths = DataPaths(tmp_path / "data")
    with connect_work(paths) as connection:
        connection.execute("insert into staging.schema_version (version) values (99)")
    before = paths.work_db.read_bytes()
    with (
        pytest.raises(
            SchemaTooNew,
            match=rf"layout version 99, and this version of the pipeline knows up to {SCHEMA_VERSION}",
        ),
        connect_work(paths),
    ):
        pass
    assert paths.work_db.read_bytes() == before


def test_a_publication_records_the_quarantine_per_rule_and_whether_the_data_is_synthetic(
    tmp_path: Path, connection
):
    """The report's data-quality panel and synthetic banner read ref.publications: rows held in quarantine
    per source and rule (counts only: the rows stay private), and the generator's "synthetic" label. A
    warehouse published before these columns existed gains them on its next (incremental) publication."""
    paths = DataPaths(tmp_path / "data")
    run_sql(connection, "marts/create_mart_tables.sql")
    run_sql(connection, warehouse.PUBLICATIONS.ddl)
    _retention_row(connection, "2025-07-31", 1)
    run_sql(connection, "marts/unpublished_periods.sql", {"period": "2025-07-31"})
    record = {"checks_passed": [], "checks_warned": []}
    warehouse.publish(connection, paths, record={"run_id": "first", **record})
    with duckdb.connect(str(paths.warehouse)) as old:  # as published by the previous release
        old.execute("alter table ref.publications drop column rows_quarantined")
        old.execute("alter table ref.publications drop column synthetic")

    connection.execute(
        "insert into staging.quarantine values "
        "('rolls', '2025-07', 'rolls/2025-07/01.parquet', 3, 'invalid_person_id', 'person_id', null), "
        "('rolls', '2025-07', 'rolls/2025-07/01.parquet', 9, 'invalid_person_id', 'person_id', null), "
        "('targets', '', 'targets/targets_2025.csv', 2, 'target_out_of_range', 'target_pct', '140')"
    )
    connection.execute(
        "insert into staging.denominators values ('population', 2025, date '2025-07-01', 'province', '01', "
        "1000, 'synthetic: coverage-pipeline 0.1.0', 'population/population_2025.csv', 1)"
    )
    _retention_row(connection, "2025-08-31", 2)
    run_sql(connection, "marts/unpublished_periods.sql", {"period": "2025-08-31"})
    assert warehouse.publish(connection, paths, record={"run_id": "second", **record}).incremental

    with duckdb.connect(str(paths.warehouse), read_only=True) as reader:
        rows = reader.execute(
            "select run_id, rows_quarantined, synthetic from ref.publications order by publication_id"
        ).fetchall()
    assert rows == [
        ("first", None, None),
        (
            "second",
            [
                {"source": "rolls", "rule": "invalid_person_id", "n_rows": 2},
                {"source": "targets", "rule": "target_out_of_range", "n_rows": 1},
            ],
            True,
        ),
    ]


def test_a_layout_3_database_gets_views_with_the_person_key_halves_over_its_stored_months(tmp_path):
    paths = DataPaths(tmp_path / "data")
    partition = paths.month_store("rolls") / "period=2025-08-31" / "part.parquet"
    partition.parent.mkdir(parents=True)
    with connect_work(paths) as connection:
        connection.execute(
            "copy (select date '2025-07-01' as vintage, 1::ubigint as person_key_hi, "
            "2::ubigint as person_key_lo, 'BHYT' as scheme, '00004' as commune_code, 'F' as sex, "
            "1990::smallint as birth_year, "
            "'GD' as bhyt_object_code, date '2025-01-01' as valid_from, date '2025-12-31' as valid_to, "
            "true as is_active, false as code_remapped, false as in_both_bhxh, "
            f"'rolls/2025-08/a.csv' as source_file, 1::bigint as source_row) to '{partition}'"
        )
        # What layout 3 left: a view over the month files without the halves, and version 3 recorded.
        files = f"{partition.parent.parent}/period=*/part.parquet"
        old_view = (
            "create or replace view staging.rolls as select period, "  # noqa: S608
            "(person_key_hi::uhugeint << 64) | person_key_lo::uhugeint as person_key, scheme "
            f"from read_parquet('{files}', hive_partitioning = true)"
        )
        connection.execute(old_view)
        connection.execute("delete from staging.schema_version")
        connection.execute("insert into staging.schema_version (version) values (3)")
    with connect_work(paths) as connection:
        assert connection.execute("select max(version) from staging.schema_version").fetchone() == (4,)
        assert connection.execute(
            "select person_key_hi, person_key_lo, person_key = (1::uhugeint << 64) + 2 from staging.rolls"
        ).fetchall() == [(1, 2, True)]
        assert connection.execute("select count(*) from staging.residents").fetchone() == (0,)
