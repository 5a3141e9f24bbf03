"""pipeline/lake.py on a local DuckLake catalog: the extensions load from the pinned wheels (no
download), and a month is replaced the way the plan in docs/deployment.md replaces one (its file
written aside, then one transaction that deletes the month and registers the file), committed whole
or retried whole when another writer commits first, never half."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline import lake
from pipeline.lake import LakeError, attach_lake, commit_retried
from pipeline.warehouse import run_sql

JULY, AUGUST = "2025-07-31", "2025-08-31"


def open_lake(root: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    attach_lake(connection, str(root / "catalog" / "lake.ducklake"), root / "files")
    return connection


@pytest.fixture
def rolls(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A lake with a month-partitioned table holding two months of 3 rows each, generation 0."""
    connection = open_lake(tmp_path)
    connection.execute("create table lake.rolls (period date, person bigint, generation integer)")
    connection.execute("alter table lake.rolls set partitioned by (period)")
    for month in (JULY, AUGUST):
        connection.execute(
            "insert into lake.rolls select $month::date, i, 0 from range(3) as t (i)", {"month": month}
        )
    return connection


def write_aside(connection: duckdb.DuckDBPyConnection, root: Path, month: str, generation: int) -> Path:
    """The month's new file, written before any transaction, in its partition's folder (DuckLake
    refuses a file of a partitioned table outside its period=… folder)."""
    path = root / "aside" / f"period={month}" / f"generation-{generation}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    connection.sql(
        "select $month::date as period, i as person, $generation::integer as generation "
        "from range(5) as t (i)",
        params={"month": month, "generation": generation},
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


def test_the_wheels_extension_attaches_a_local_lake_that_a_new_connection_reads(tmp_path: Path) -> None:
    connection = open_lake(tmp_path)  # its catalog's folder does not exist yet
    # More rows than DuckLake inlines into its catalog: they go to a Parquet data file.
    connection.execute("create table lake.counts as select range as n from range(1000)")
    connection.close()
    assert list((tmp_path / "files").rglob("*.parquet")), "the lake's rows are in Parquet data files"

    again = open_lake(tmp_path)
    assert again.execute("select count(*), sum(n) from lake.counts").fetchall() == [(1000, 499500)]
    loaded = again.execute(
        "select extension_name from duckdb_extensions() where loaded and extension_name = 'ducklake'"
    ).fetchall()
    assert loaded == [("ducklake",)]


def test_a_month_replaced_while_another_writer_commits_first_is_retried_whole(
    rolls: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    other = rolls.cursor()
    july, august = write_aside(rolls, tmp_path, JULY, 1), write_aside(rolls, tmp_path, AUGUST, 1)
    attempts = []

    def replace_august() -> str:
        attempts.append(len(attempts) + 1)
        replace_month(rolls, AUGUST, august)
        if len(attempts) == 1:  # another writer replaces July and commits first
            other.execute("begin")
            replace_month(other, JULY, july)
            other.execute("commit")
        return "done"

    result, retries = commit_retried(rolls, replace_august, pause_s=0)

    assert (result, retries, attempts) == ("done", 1, [1, 2])
    assert months(rolls) == [(JULY, 5, 1, 1), (AUGUST, 5, 1, 1)]


def test_a_replacement_that_fails_leaves_the_lake_as_it_was(
    rolls: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    before = months(rolls)
    august = write_aside(rolls, tmp_path, AUGUST, 1)

    def fails_after_the_delete() -> None:
        replace_month(rolls, AUGUST, august)
        raise ValueError("the ledger rows could not be written")

    with pytest.raises(ValueError, match="ledger rows"):
        commit_retried(rolls, fails_after_the_delete, pause_s=0)

    assert months(rolls) == before
    rolls.execute("begin")  # no transaction was left open
    rolls.execute("rollback")


def test_a_writer_that_never_gets_to_commit_gives_up_with_a_clear_error(
    rolls: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    other = rolls.cursor()
    july, august = write_aside(rolls, tmp_path, JULY, 1), write_aside(rolls, tmp_path, AUGUST, 1)

    def always_beaten() -> None:
        replace_month(rolls, AUGUST, august)
        other.execute("begin")
        replace_month(other, JULY, july)
        other.execute("commit")

    with pytest.raises(LakeError, match="no commit after 3 attempts"):
        commit_retried(rolls, always_beaten, attempts=3, pause_s=0)
    assert months(rolls)[1] == (AUGUST, 3, 0, 0)


def test_an_extension_built_for_another_duckdb_is_named_with_both_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lake.duckdb, "__version__", "9.9.9")
    with pytest.raises(LakeError, match=r"built for DuckDB v\d+\.\d+\.\d+, not v9\.9\.9"):
        lake.extension_file("ducklake")


def test_the_alias_must_be_a_plain_name(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="plain lower-case name"):
        attach_lake(duckdb.connect(), str(tmp_path / "catalog.ducklake"), tmp_path, alias="lake; drop")


# The working database's tables as the lake would hold them (step 2 of the plan): every file that
# creates them, then the statements that used to need a key.
WORKING_DATABASE_DDL = (
    "migrations/schema_version.sql",
    "staging/create_staging_tables.sql",
    "reference/admin_units.sql",
    "reference/admin_crosswalk.sql",
    "reference/bhyt_object_codes.sql",
    "reference/publications.sql",
    "reference/outreach_exports.sql",
    "marts/create_mart_tables.sql",
)


def test_every_table_of_the_working_database_can_be_created_in_a_lake(tmp_path: Path) -> None:
    """DuckLake refuses keys and CHECK constraints, and with them `insert or replace`/`or ignore`: the
    SQL keeps none of them, and a listed period is still listed once."""
    connection = open_lake(tmp_path)
    connection.execute("use lake")
    for ddl in WORKING_DATABASE_DDL:
        run_sql(connection, ddl)
    for period in ("2025-07-31", "2025-07-31", None):
        run_sql(connection, "marts/unpublished_periods.sql", {"period": period})
    assert connection.execute("select period::varchar from publication.unpublished_periods").fetchall() == [
        ("2025-07-31",)
    ]
    constrained = connection.execute(
        "select count(*) from duckdb_constraints() where database_name = 'lake' "
        "and constraint_type in ('PRIMARY KEY', 'UNIQUE', 'CHECK')"
    ).fetchone()[0]
    assert constrained == 0


def test_a_month_key_row_is_replaced_not_repeated(tmp_path: Path) -> None:
    """What `insert or replace` did: forgetting a month, then recording it, leaves one row."""
    connection = duckdb.connect()
    run_sql(connection, "staging/create_staging_tables.sql")
    connection.execute(
        "create temp table roll_quarantine (source_file varchar, source_row bigint, rule varchar, "
        "column_name varchar, offending_value varchar)"
    )
    accepted = pl.DataFrame({"source_file": ["a.parquet"], "accepted": [3]})
    for fingerprint in ("first", "second"):
        params = {"partition_key": "2025-07", "key_fingerprint": fingerprint}
        run_sql(connection, "staging/forget_roll_month.sql", params)
        run_sql(connection, "staging/record_roll_month.sql", params, frames={"accepted_per_file": accepted})
    assert connection.execute("select * from staging.roll_month_keys").fetchall() == [("2025-07", "second")]
