"""The working database as a DuckLake (``PIPELINE_LAKE_CATALOG``, docs/deployment.md): the same graph,
the same SQL, the same published warehouse as on the DuckDB file; here with a local catalog (the
distributed tests use a PostgreSQL one)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.lake import attach_lake
from pipeline.settings import LAKE_CATALOG_ENV, DataPaths
from pipeline.warehouse import MART_TABLES, define_tables
from tests.conftest import ROLL_HEADER, write


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
