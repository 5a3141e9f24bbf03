"""DuckLake, DuckDB's lakehouse format: a catalog database (a local file, or PostgreSQL shared by
several machines) that lists Parquet data files, with snapshot isolation between its readers and
writers.

When ``PIPELINE_LAKE_CATALOG`` names a catalog, the working database is such a lake
(pipeline/warehouse.py opens it), so that several workers can replace different months at the same
time (docs/deployment.md). This module holds what that needs:

- the extensions loaded offline, from the wheels the project pins (``load ducklake`` would try to
  download them);
- attaching a lake, with the catalog chosen by a string (a path or ``postgres:…``), not by code;
- one writer's transaction committed whole or retried whole when another writer's commit conflicts
  with it;
- the lake's maintenance: old snapshots expired, and the files nothing reads any more deleted.

tests/unit/test_lake.py uses a local catalog; tests/distributed/test_lake_postgres.py uses a real
PostgreSQL catalog with concurrent writers, a reader and a killed writer.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb

from pipeline.settings import LAKE_CATALOG_ENV, DataPaths
from pipeline.warehouse import (
    LAKE_CONFLICT_ATTEMPTS,
    LAKE_CONFLICT_PAUSE_S,
    connect_work,
    lake_name,
    run_sql,
    sql_string_literal,
)

# The wheels (pyproject.toml) that carry each extension, built for one DuckDB version each.
EXTENSION_PACKAGES = {
    "ducklake": "duckdb_extension_ducklake",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
}
POSTGRES_CATALOG = "postgres:"
_ALIAS = re.compile(r"^[a-z_][a-z0-9_]*$")

T = TypeVar("T")


class LakeError(RuntimeError):
    """The lake cannot be used as configured; the message says what to change."""


def extension_file(name: str) -> Path:
    """The extension's file inside its wheel, for the DuckDB version running here."""
    package = importlib.import_module(EXTENSION_PACKAGES[name])
    folder = Path(package.__file__).parent / "extensions"
    path = folder / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        built_for = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        raise LakeError(
            f"the {name} extension of {EXTENSION_PACKAGES[name]} is built for DuckDB "
            f"{', '.join(built_for) or 'no version'}, not v{duckdb.__version__}: install the same "
            "version of duckdb and of the extension wheels (pyproject.toml pins them together)"
        )
    return path


def load_extension(connection: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load an extension from its wheel's file: nothing is downloaded."""
    connection.execute(f"load {sql_string_literal(str(extension_file(name)))}")


def attach_lake(
    connection: duckdb.DuckDBPyConnection,
    catalog: str,
    data_path: Path | str,
    alias: str = "lake",
    *,
    read_only: bool = False,
) -> None:
    """Attach the DuckLake whose catalog is ``catalog`` as ``alias``, its data files under
    ``data_path`` (created on first use).

    ``catalog`` is a path (a local DuckDB catalog file, for one machine) or
    ``postgres:dbname=… host=… port=… user=…`` (a PostgreSQL database that exists, shared by every
    worker). A local catalog's folder is created when missing. ATTACH takes no bound parameters:
    both strings are quoted here as SQL literals."""
    if not _ALIAS.match(alias):
        raise LakeError(f"'{alias}' is not a plain lower-case name for the attached lake")
    load_extension(connection, "ducklake")
    if catalog.startswith(POSTGRES_CATALOG):
        load_extension(connection, "postgres_scanner")
    else:
        Path(catalog).parent.mkdir(parents=True, exist_ok=True)  # DuckDB creates the file, not its folder
    options = f"data_path {sql_string_literal(str(data_path))}" + (", read_only" if read_only else "")
    connection.execute(f"attach {sql_string_literal('ducklake:' + catalog)} as {alias} ({options})")


def commit_retried(
    connection: duckdb.DuckDBPyConnection,
    work: Callable[[], T],
    *,
    attempts: int = LAKE_CONFLICT_ATTEMPTS,
    pause_s: float = LAKE_CONFLICT_PAUSE_S,
) -> tuple[T, int]:
    """Run ``work`` in one transaction and commit it; when the commit (or a statement) fails because
    another writer committed first, roll back and run the whole of ``work`` again, waiting a little
    longer each time. Returns what ``work`` returned and how many retries it took.

    Two writers replacing different months of one table conflict at commit (DuckLake counts a delete
    followed by an insert as a change to the table): measured on PostgreSQL, 4 retries per 20
    replacements (docs/deployment.md). A retry is cheap when ``work`` only deletes rows and registers
    files written beforehand. Any other error is raised at once, the transaction rolled back."""
    for attempt in range(attempts):
        connection.execute("begin")
        try:
            result = work()
            connection.execute("commit")
            return result, attempt
        except duckdb.TransactionException:
            # A failed commit has already ended the transaction; a failed statement has not.
            with contextlib.suppress(duckdb.TransactionException):
                connection.execute("rollback")
            time.sleep(pause_s * (attempt + 1))
        except BaseException:
            with contextlib.suppress(duckdb.TransactionException):
                connection.execute("rollback")
            raise
    raise LakeError(f"no commit after {attempts} attempts: other writers kept committing first")


@dataclass(frozen=True)
class Maintenance:
    snapshots_expired: int
    files_deleted: int  # of months replaced, read by expired snapshots only
    orphans_deleted: int  # written by processes killed before their commit


def maintain(paths: DataPaths, keep_days: float) -> Maintenance:
    """Expire the working lake's snapshots older than ``keep_days`` and delete the files nothing reads
    any more. A lake keeps every snapshot, and with them the files of every month replaced since (a
    national roll month is 2.8 GB; after a key rotation, files keyed with the old key): this is what
    gives the disk back (``python -m pipeline lake-maintenance``, docs/deployment.md)."""
    if not paths.lake_catalog:
        raise LakeError(
            f"{LAKE_CATALOG_ENV} is not set: the working database is the DuckDB file {paths.work_db}, "
            "which holds no snapshots to expire"
        )
    with connect_work(paths) as connection:
        lake = {"lake": lake_name(connection)}
        expired = run_sql(
            connection, "lake/expire_snapshots.sql", {**lake, "keep_days": keep_days}
        ).fetchall()
        deleted = run_sql(connection, "lake/cleanup_old_files.sql", lake).fetchall()
        orphans = run_sql(connection, "lake/delete_orphaned_files.sql", lake).fetchall()
    return Maintenance(len(expired), len(deleted), len(orphans))
