"""Shared fixtures: every test gets its own data dir in tmp_path and an ephemeral Dagster instance.

No test touches the real data/ dir, the project's .dagster/ state, or the network.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipeline import reference
from pipeline.runner import month_range_tags
from pipeline.settings import PROJECT_ROOT, DataPaths
from pipeline.warehouse import ADMIN_CROSSWALK, ADMIN_UNITS, BHYT_OBJECT_CODES, load_table, run_sql

# The slowest files (about 2 min each: a deployment with its servers, the benchmark harness end to
# end) are collected first, so that `make test`'s workers (xdist, one file at a time) start them at
# once instead of one worker finishing them alone at the end (≈ 2.5 min of a 15-min CI budget).
# `make test` passes --no-loadscope-reorder: xdist otherwise hands out files with the most tests
# first, which put these files of one to three tests last.
SLOWEST_FIRST = ("tests/distributed/", "tests/benchmarks/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(config.rootpath)

    def slow_rank(item: pytest.Item) -> int:
        relative = Path(item.path).relative_to(root).as_posix()
        return next((rank for rank, prefix in enumerate(SLOWEST_FIRST) if relative.startswith(prefix)), 99)

    items.sort(key=slow_rank)  # stable: a file's tests stay together, in their order


def run_python(code: str) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter at the project root (what a new process imports, how it exits)."""
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True)


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """Tests never create or read the project's key file: the key comes from the environment."""
    key = "test-only-pseudonym-key"
    monkeypatch.setenv("PIPELINE_PSEUDONYM_KEY", key)
    return key


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DataPaths:
    """An empty data dir, selected the way users select it: through PIPELINE_DATA_DIR."""
    root = tmp_path / "data"
    (root / "raw").mkdir(parents=True)
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(root))
    return DataPaths(root)


@pytest.fixture
def run_graph(data_dir: DataPaths):
    """Materialise (a selection of) the real definitions over a range of months, in an ephemeral
    instance, the way the CLI does."""
    from pipeline.definitions import defs

    def _run(
        months: tuple[str, str] = ("2025-08", "2025-08"), selection: list[dg.AssetKey] | None = None
    ) -> dg.ExecuteInProcessResult:
        job = defs.resolve_job_def("pipeline_job")
        with dg.DagsterInstance.ephemeral() as instance:
            return job.execute_in_process(
                instance=instance,
                asset_selection=selection,
                tags=month_range_tags(months),
                raise_on_error=False,
            )

    return _run


ROLL_HEADER = "person_id,scheme,commune_code,sex,birth_year,bhyt_object_code,bhyt_card_no,valid_from,valid_to"


@pytest.fixture(scope="session")
def reference_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    units = reference.build_admin_units(reference.all_vintages(Path("/nonexistent")))
    crosswalk = reference.build_crosswalk(
        units, reference.adjacent_commune_links(units, Path("/nonexistent"))
    )
    return units, crosswalk


def load_reference(connection: duckdb.DuckDBPyConnection, reference_frames) -> None:
    """The reference tables a month is judged against: units, crosswalk, BHYT object codes."""
    units, crosswalk = reference_frames
    load_table(connection, ADMIN_UNITS, units)
    load_table(connection, ADMIN_CROSSWALK, crosswalk)
    load_table(
        connection,
        BHYT_OBJECT_CODES,
        run_sql(connection, "reference/bhyt_object_code_rows.sql").to_arrow_table(),
    )


@pytest.fixture
def connection(reference_frames) -> duckdb.DuckDBPyConnection:
    """An in-memory working database with the reference tables and empty staging tables."""
    with duckdb.connect() as connection:
        load_reference(connection, reference_frames)
        run_sql(connection, "staging/create_staging_tables.sql")
        yield connection


@pytest.fixture(scope="session")
def pre_reform_codes(reference_frames) -> dict[str, str]:
    """A pre-reform commune that went whole into one new commune, and one that was split."""
    _, crosswalk = reference_frames
    communes = crosswalk.filter(pl.col("from_level") == "commune")
    whole = communes.filter(~pl.col("is_partial") & (pl.col("from_code") != pl.col("to_code")))
    split = communes.filter(pl.col("is_partial"))
    return {
        "whole_from": whole["from_code"][0],
        "whole_to": whole["to_code"][0],
        "split_from": split["from_code"][0],
    }


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def table_text(connection: duckdb.DuckDBPyConnection) -> str:
    """Every VARCHAR value of every table of ``connection``, concatenated: the exhaustive scan the
    personal-data tests make (a byte scan of compressed pages could miss a value)."""
    columns = connection.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where data_type = 'VARCHAR' and not internal "
        "and (schema_name, table_name) in (select (schema_name, table_name) from duckdb_tables())"
    ).fetchall()
    return "\n".join(
        str(value)
        for schema, table, column in columns
        for (value,) in connection.table(f"{schema}.{table}").select(column).fetchall()
    )


def database_text(database: Path) -> str:
    """:func:`table_text` of a database file, opened read-only; empty when it does not exist."""
    if not database.exists():
        return ""
    with duckdb.connect(str(database), read_only=True) as connection:
        return table_text(connection)
