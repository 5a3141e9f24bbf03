"""The working database as a DuckLake (``PIPELINE_LAKE_CATALOG``, docs/deployment.md): the same graph,
the same SQL, the same published warehouse as on the DuckDB file; here with a local catalog (the
distributed tests use a PostgreSQL one)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from pipeline import cli, ingest, warehouse
from pipeline.lake import attach_lake
from pipeline.settings import LAKE_CATALOG_ENV, DataPaths
from pipeline.warehouse import (
    MART_TABLES,
    connect_work_read_only,
    define_tables,
)
from tests.conftest import ROLL_HEADER, load_reference, write


def _raw(raw: Path) -> None:
    july = [f"{i:010d},BHXH_TN,00004,F,1980,,,," for i in range(1, 6)]
    august = july[:3] + [f"{i:010d},BHYT,00004,F,2015,GD,,2025-01-01,2025-09-30" for i in range(10, 14)]
    write(raw / "rolls/2025-07/a.csv", "\n".join([ROLL_HEADER, *july]) + "\n")
    write(
        raw / "rolls/2025-08/a.csv",
        "\n".join([ROLL_HEADER, *august, "bad-id,BHYT,00004,F,2015,GD,,,"]) + "\n",
    )
    write(
        raw / "targets/2025.csv",
        "year,unit_level,unit_code,indicator,target_pct\n2025,commune,00004,bhyt,95\n",
    )
    write(raw / "population/2025.csv", "year,unit_level,unit_code,population\n2025,commune,00004,20\n")
    register = [f"{i:010d},00004,Thôn Đông,F,{1980 if i < 6 else 2015}" for i in (1, 2, 3, 10, 11)]
    write(
        raw / "residents/2025-08/a.csv",
        "person_id,commune_code,village,sex,birth_year\n" + "\n".join(register),
    )


def _published(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = [t.name for t in MART_TABLES] + ["ref.admin_units", "ref.admin_crosswalk"]
        # names from the fixed list of published tables
        return {t: connection.execute(f"select * from {t} order by all").fetchall() for t in tables}  # noqa: S608


def test_a_run_on_a_local_lake_publishes_what_the_duckdb_file_does(
    data_dir: DataPaths, run_graph, monkeypatch: pytest.MonkeyPatch
):
    _raw(data_dir.raw)
    assert run_graph(months=("2025-07", "2025-08")).success
    on_file = _published(data_dir.warehouse)
    assert on_file["marts.coverage"] and on_file["marts.retention"] and on_file["marts.outreach"]

    shutil.rmtree(data_dir.marts)
    catalog = data_dir.work_dir / "lake.ducklake"
    monkeypatch.setenv(LAKE_CATALOG_ENV, str(catalog))
    assert run_graph(months=("2025-07", "2025-08")).success

    assert _published(data_dir.warehouse) == on_file
    assert not data_dir.work_db.exists(), "the lake replaces the working DuckDB file"
    lake = duckdb.connect()
    attach_lake(lake, str(catalog), data_dir.lake_files, read_only=True)
    # The ledger of each month is in the lake: rows read = accepted + quarantined.
    assert lake.execute(
        "select partition_key, sum(rows_read) from lake.staging.ingested_files "
        "where source = 'rolls' group by all order by 1"
    ).fetchall() == [("2025-07", 5), ("2025-08", 8)]
    assert lake.execute(
        "select count(*) from lake.staging.quarantine where source = 'rolls' and partition_key = '2025-08'"
    ).fetchone() == (1,)


def test_a_file_of_definitions_is_one_snapshot_of_the_lake(tmp_path: Path):
    """Statement by statement, the marts' 122 comments were 122 catalog snapshots (3 s)."""
    connection = duckdb.connect()
    attach_lake(connection, str(tmp_path / "catalog.ducklake"), tmp_path / "files")
    connection.execute("use lake")
    before = connection.execute("select count(*) from lake.snapshots()").fetchone()[0]
    define_tables(connection, "marts/create_mart_tables.sql")
    define_tables(connection, "marts/create_mart_tables.sql")
    assert connection.execute("select count(*) from lake.snapshots()").fetchone()[0] == before + 2
    assert connection.execute(
        "select count(*) from duckdb_tables() where database_name = 'lake' and schema_name = 'marts'"
    ).fetchone() == (len(MART_TABLES),)


@pytest.fixture
def lake(data_dir: DataPaths, reference_frames, monkeypatch: pytest.MonkeyPatch) -> duckdb.DuckDBPyConnection:
    """A working database on a local lake, as a step opens it, with the reference tables loaded."""
    monkeypatch.setenv(LAKE_CATALOG_ENV, str(data_dir.work_dir / "lake.ducklake"))
    with duckdb.connect() as connection:
        attach_lake(connection, data_dir.lake_catalog, data_dir.lake_files)
        connection.execute("use lake")
        load_reference(connection, reference_frames)
        define_tables(connection, "staging/create_staging_tables.sql")
        yield connection


def _rows_and_ledger_in_every_snapshot(lake: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """(roll rows stored, rows the ledger says were accepted) of 2025-08 in every snapshot of the lake
    since its months' table was created."""
    created = lake.execute(
        "select min(snapshot_id) from lake.snapshots() where changes::varchar like '%staging.rolls_months%'"
    ).fetchone()[0]
    seen = []
    for (version,) in lake.execute(
        "select snapshot_id from lake.snapshots() where snapshot_id >= ? order by 1", [created]
    ).fetchall():
        # `at (version => …)` takes no bound parameter: the version is an integer read from the lake
        at = f"at (version => {int(version)})"
        seen.append(
            lake.execute(
                f"select (select count(*) from staging.rolls_months {at} "  # noqa: S608
                "where period = date '2025-08-31'), "
                f"(select coalesce(sum(accepted), 0) from staging.roll_files {at} "
                "where partition_key = '2025-08')"
            ).fetchone()
        )
    return seen


def test_in_a_lake_a_month_is_a_registered_file_that_changes_with_its_ledger(
    data_dir: DataPaths, lake: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
):
    """A roll month's rows are a file the lake owns, registered in the transaction that writes the
    month's ledger: no snapshot of the lake shows a month's rows without its ledger or the other way
    round; a replacement drops the old file from the table; a failed one leaves the month as it was
    and no file behind; a month whose folder is gone is emptied."""
    rows = [f"{i:010d},BHXH_TN,00004,F,1980,,,," for i in range(1, 6)]
    write(data_dir.raw / "rolls/2025-08/a.csv", "\n".join([ROLL_HEADER, *rows]) + "\n")
    ingest.ingest_roll_month(lake, data_dir.raw, "2025-08")
    store = data_dir.rolls_store
    assert store == data_dir.lake_files / "staging" / "rolls_months"

    def registered() -> list[Path]:
        return [
            Path(p)
            for (p,) in lake.execute(
                "select data_file from ducklake_list_files('lake', 'rolls_months', schema => 'staging')"
            ).fetchall()
        ]

    [first] = registered()
    assert first.parent == store / "period=2025-08-31"
    assert lake.execute("select count(*) from staging.rolls").fetchone() == (5,)
    assert not list(data_dir.work_dir.rglob("part.parquet")), "no month file outside the lake"

    write(data_dir.raw / "rolls/2025-08/a.csv", "\n".join([ROLL_HEADER, *rows[:3]]) + "\n")
    ingest.ingest_roll_month(lake, data_dir.raw, "2025-08")
    # Its rows are deleted (small files' deletes are inlined in the catalog, large ones' files drop
    # out of the table): the lake owns the old file now, and removes it with the snapshots that read it.
    [second] = set(registered()) - {first}
    assert lake.execute("select count(*) from staging.rolls").fetchone() == (3,)

    # A failure before the commit: the month and its ledger stay; the new file is not left behind.
    before_failure = registered()
    write(data_dir.raw / "rolls/2025-08/a.csv", "\n".join([ROLL_HEADER, *rows[:1]]) + "\n")

    def fail(*args, **kwargs):
        # The month is built in the working area (where remove_stale_builds looks after a kill), not
        # in the lake's data path.
        assert [p.parent.name for p in data_dir.work_dir.glob("*_building/*")] == ["rolls_building"]
        raise RuntimeError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(ingest, "_outcome", fail)
        with pytest.raises(RuntimeError, match="disk full"):
            ingest.ingest_roll_month(lake, data_dir.raw, "2025-08")
    assert registered() == before_failure
    assert sorted(store.rglob("*.parquet")) == sorted({first, second}), "the failed month's file is gone"
    assert lake.execute("select count(*) from staging.rolls").fetchone() == (3,)

    shutil.rmtree(data_dir.raw / "rolls/2025-08")
    ingest.ingest_roll_month(lake, data_dir.raw, "2025-08")
    assert lake.execute("select count(*) from staging.rolls").fetchone() == (0,)

    seen = _rows_and_ledger_in_every_snapshot(lake)
    assert all(rows == ledger for rows, ledger in seen), seen
    assert {rows for rows, _ in seen} == {0, 5, 3}


def test_lake_maintenance_deletes_replaced_months_and_orphans_but_not_what_is_read(
    data_dir: DataPaths, lake: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, capsys
):
    """`python -m pipeline lake-maintenance`: the file of a month replaced since goes once the
    snapshots that read it are expired, and so does a month file its killed writer never registered
    (older than a day); the month's current file, and a file being registered now, stay."""
    rows = [f"{i:010d},BHXH_TN,00004,F,1980,,,," for i in range(1, 41)]
    write(data_dir.raw / "rolls/2025-08/a.csv", "\n".join([ROLL_HEADER, *rows]) + "\n")
    ingest.ingest_roll_month(lake, data_dir.raw, "2025-08")
    [replaced] = data_dir.rolls_store.rglob("*.parquet")
    write(data_dir.raw / "rolls/2025-08/a.csv", "\n".join([ROLL_HEADER, *rows[:30]]) + "\n")
    ingest.ingest_roll_month(lake, data_dir.raw, "2025-08")
    [current] = set(data_dir.rolls_store.rglob("*.parquet")) - {replaced}
    lake.close()
    killed, being_registered = (current.with_name(f"2025-08.{n}.parquet") for n in ("killed", "now"))
    for orphan in (killed, being_registered):
        shutil.copy(current, orphan)
    two_days_ago = time.time() - 2 * 86400
    os.utime(killed, (two_days_ago, two_days_ago))

    assert cli.main(["lake-maintenance", "--keep-days", "0"]) == 0
    said = capsys.readouterr().out
    assert "1 file(s) no snapshot reads deleted, 1 orphaned file(s) deleted" in said, said
    assert sorted(data_dir.rolls_store.rglob("*.parquet")) == sorted([current, being_registered])
    with connect_work_read_only(data_dir) as connection:
        assert connection.execute("select count(*) from staging.rolls").fetchone() == (30,)

    monkeypatch.delenv(LAKE_CATALOG_ENV)
    assert cli.main(["lake-maintenance"]) == 2
    assert "PIPELINE_LAKE_CATALOG is not set" in capsys.readouterr().err


def test_a_view_definition_beaten_by_another_workers_commit_runs_again(
    data_dir: DataPaths, lake: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
):
    """Two workers starting on a new lake both define staging.rolls; the loser's commit fails with
    DuckLake's conflict ("another transaction has dropped it already", seen in the distributed test)
    and must run again rather than fail its step."""
    monkeypatch.setattr(warehouse, "LAKE_CONFLICT_PAUSE_S", 0)

    class BeatenOnce:
        beaten = 0

        def execute(self, statement, params=None):
            query = getattr(statement, "query", statement)  # a statement of the view's SQL file
            if "create or replace view" in str(query) and not self.beaten:
                self.beaten += 1
                raise duckdb.TransactionException(f"Failed to commit: {warehouse.LAKE_CONFLICT}.")
            return lake.execute(statement, params)

    beaten = BeatenOnce()
    warehouse.define_month_view(beaten, "rolls", data_dir.rolls_store)
    assert beaten.beaten == 1
    [(sql,)] = lake.execute(
        "select sql from duckdb_views() where database_name = 'lake' and view_name = 'rolls'"
    ).fetchall()
    assert "staging.rolls_months" in sql
    assert lake.execute("select count(*) from staging.rolls").fetchone() == (0,)
