"""The DuckDB side: running SQL files, loading tables, and publishing the warehouse atomically.

Two databases, one writer:
- the *working* database (``<data dir>/marts/_work/pipeline.duckdb``) is where every asset writes:
  staging, intermediate and the tables to publish. Only the pipeline opens it.
- the *published* warehouse (``<data dir>/marts/coverage.duckdb``) is what analysts open read-only.
  It is never written in place: :func:`publish` builds a new file beside it, checkpoints it, and renames
  it over the old one in one ``os.replace``. A reader that already has the old file open keeps reading
  the old inode, whole; the next reader opens the new one. A failed run never reaches the rename.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipeline.failures import find_os_failure
from pipeline.raw_io import MONTH_SOURCES
from pipeline.settings import MARTS, SQL_DIR, DataPaths, make_private

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Table:
    """A table defined by one SQL file (``create or replace table`` plus its ``comment on``s)."""

    name: str  # schema.table
    ddl: str  # path under sql/


ADMIN_UNITS = Table("ref.admin_units", "reference/admin_units.sql")
ADMIN_CROSSWALK = Table("ref.admin_crosswalk", "reference/admin_crosswalk.sql")
BHYT_OBJECT_CODES = Table("ref.bhyt_object_codes", "reference/bhyt_object_codes.sql")
MART_TABLES = tuple(Table(f"marts.{name}", "marts/create_mart_tables.sql") for name in MARTS)

PUBLICATIONS = Table("ref.publications", "reference/publications.sql")
# The audit of named outreach lists: written by `python -m pipeline outreach`, between runs.
OUTREACH_EXPORTS = Table("ref.outreach_exports", "reference/outreach_exports.sql")

# What analysts see in the published warehouse, in publication order.
PUBLISHED_TABLES: tuple[Table, ...] = (
    ADMIN_UNITS,
    ADMIN_CROSSWALK,
    BHYT_OBJECT_CODES,
    *MART_TABLES,
    OUTREACH_EXPORTS,
    PUBLICATIONS,
)


# The sql/ files read inside a recording_sql() block (the asset that ran them lists them in the UI).
_sql_files_read: ContextVar[list[str] | None] = ContextVar("sql_files_read", default=None)


def read_sql(relative_path: str) -> str:
    recorder = _sql_files_read.get()
    if recorder is not None and relative_path not in recorder:
        recorder.append(relative_path)
    return (SQL_DIR / relative_path).read_text(encoding="utf-8")


@contextmanager
def recording_sql() -> Iterator[list[str]]:
    """Collect the sql/ files read in the block, once each, in the order first read: an asset shows
    the SQL it ran in its materialisation metadata."""
    read: list[str] = []
    token = _sql_files_read.set(read)
    try:
        yield read
    finally:
        _sql_files_read.reset(token)


def run_sql(
    connection: duckdb.DuckDBPyConnection,
    relative_path: str,
    params: Mapping[str, object] | None = None,
    frames: Mapping[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Run every statement of ``sql/<relative_path>`` in order; values go in as bound ``$name``
    parameters (each statement receives the ones it uses). ``frames`` are polars/Arrow objects
    registered under the given names for the duration of the call. Returns the connection, so the
    last statement's rows can be fetched."""
    params = dict(params or {})
    frames = dict(frames or {})
    for name, frame in frames.items():
        connection.register(name, frame)
    try:
        for statement in duckdb.extract_statements(read_sql(relative_path)):
            used = {name: params[name] for name in statement.named_parameters}
            _execute(connection, statement, used or None)
    finally:
        for name in frames:
            connection.unregister(name)
    return connection


# What DuckLake says when another writer's commit beat this one's (docs/deployment.md).
LAKE_CONFLICT = "Failed to commit DuckLake transaction"
LAKE_CONFLICT_ATTEMPTS = 50
LAKE_CONFLICT_PAUSE_S = 0.05


def _execute(connection: duckdb.DuckDBPyConnection, statement: object, params: dict | None) -> None:
    """One statement. Outside a transaction it commits alone, and on a lake shared by several
    workers that commit can lose to another worker's (e.g. its step redefining a table this one
    inserts into): it is then run again, having changed nothing. Inside a transaction DuckLake
    detects conflicts at the commit, never here."""
    for attempt in range(LAKE_CONFLICT_ATTEMPTS):
        try:
            connection.execute(statement, params)
            return
        except duckdb.TransactionException as error:
            if LAKE_CONFLICT not in str(error) or attempt == LAKE_CONFLICT_ATTEMPTS - 1:
                raise
            time.sleep(LAKE_CONFLICT_PAUSE_S * (attempt + 1))


def define_tables(connection: duckdb.DuckDBPyConnection, relative_path: str) -> None:
    """Run a file of definitions (``create … if not exists``, ``comment on``) as one transaction.
    Statement by statement, each would commit alone, and on a lake every commit is a catalog
    snapshot: the 122 comments of the marts' definitions took 3 s there, against 0.2 s in one. On a
    lake shared by several workers, two steps defining the same tables at once conflict at commit:
    the loser runs the file again (:func:`pipeline.lake.commit_retried`)."""
    from pipeline.lake import commit_retried  # pipeline.lake builds on this module

    commit_retried(connection, lambda: run_sql(connection, relative_path))


def load_table(connection: duckdb.DuckDBPyConnection, table: Table, rows: pl.DataFrame | pa.Table) -> int:
    """Create ``table`` from its SQL file and fill it with ``rows``, in one transaction: a failure
    leaves the previous contents in place. Columns are matched by name."""
    arrow = rows.to_arrow() if isinstance(rows, pl.DataFrame) else rows
    with transaction(connection):
        run_sql(connection, table.ddl)
        columns = connection.table(table.name).columns
        connection.from_arrow(arrow.select(columns)).insert_into(table.name)
        count = connection.table(table.name).shape[0]
    return count


@contextmanager
def transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction: committed at the end, rolled back if anything fails.

    The error that failed the block is the one raised, always. When the commit itself fails (a full
    disk, an unwritable WAL), DuckDB has already ended the transaction, so the rollback fails with
    "cannot rollback - no transaction is active"; raising that would hide the reason."""
    connection.execute("begin transaction")
    try:
        yield
        connection.execute("commit")
    except BaseException:
        execute_quietly(connection, "rollback")
        raise


def execute_quietly(connection: duckdb.DuckDBPyConnection, statement: str) -> None:
    """Clean-up after a failure (rollback, detach): its own error is logged, never raised, so it
    cannot take the place of the failure being handled."""
    try:
        connection.execute(statement)
    except Exception as error:  # whatever it is, the original failure matters more
        # Debug only: after a failed commit the rollback always fails ("no transaction is active"),
        # and a line saying so next to the real error would only mislead.
        log.debug("%s after a failure also failed: %s", statement.split()[0], error)


MEMORY_LIMIT_ENV = "PIPELINE_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "5GB"


def sql_string_literal(text: str) -> str:
    """``text`` as a DuckDB string literal, for the rare statement that cannot take a bound parameter
    (a view's DDL, ATTACH). Only paths built by the pipeline go through here, never data values."""
    return "'" + text.replace("'", "''") + "'"


# Half-built files are named after the process building them (its pid), so that the next run can tell
# a dead process's leftovers from a live one's. On a data dir shared by several machines a pid means
# nothing elsewhere: the name also carries this machine's tag, and only this machine's are judged.
HOST_TAG = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


def build_name(prefix: str) -> str:
    """``<prefix>.<pid>.<host tag><random>``: the unique name of something being built."""
    return f"{prefix}.{os.getpid()}.{HOST_TAG}{uuid.uuid4().hex[:8]}"


MONTH_PARTITION_FILE = "part.parquet"


def month_partition(store: Path, period: date) -> Path:
    """The Parquet file of one month of a person-level source (hive layout: the directory names the
    period)."""
    return store / f"period={period.isoformat()}" / MONTH_PARTITION_FILE


def is_lake(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection works in a DuckLake (``$PIPELINE_LAKE_CATALOG``) rather than a DuckDB
    file: what the connection is, decided by the resource that opened it."""
    return connection.execute(
        "select type = 'ducklake' from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]


def lake_name(connection: duckdb.DuckDBPyConnection) -> str:
    """The name the lake in use is attached under."""
    return connection.execute("select current_database()").fetchone()[0]


def month_table(source: str) -> str:
    """The lake table holding a person-level source's months (``staging.<source>_months``)."""
    return f"{source}_months"


def _has_staging_table(connection: duckdb.DuckDBPyConnection, name: str) -> bool:
    return connection.execute(
        "select count(*) > 0 from duckdb_tables() "
        "where database_name = current_database() and schema_name = 'staging' and table_name = ?",
        [name],
    ).fetchone()[0]


def define_month_view(
    connection: duckdb.DuckDBPyConnection, source: str, store: Path, *, redefine: bool = False
) -> None:
    """(Re)define ``staging.<source>`` (rolls, residents; ``sql/staging/<source>_view.sql``) over
    where its months are: in a DuckDB file, the month files of ``store`` (an empty view while there
    is none); in a lake, its table ``staging.<source>_months``, whose data files the lake owns
    (created here when missing). A view already over them is kept unless ``redefine`` (a new layout
    changed the view's SQL)."""
    if _has_staging_table(connection, source):
        # A working database from before month partitions held the roll rows in a table: they are
        # re-staged from raw/ by the next run of their months (`run --all`).
        connection.execute(f"drop table staging.{source}")
    if is_lake(connection):
        months = marker = f"staging.{month_table(source)}"
        if not _has_staging_table(connection, month_table(source)):
            run_sql(connection, "staging/create_lake_month_tables.sql")
    elif any(store.glob(f"period=*/{MONTH_PARTITION_FILE}")):
        glob = sql_string_literal(str(store / "period=*" / MONTH_PARTITION_FILE))
        months = f"read_parquet({glob}, hive_partitioning = true, hive_types = {{ 'period': date }})"
        marker = glob
    else:
        connection.execute(f"drop view if exists staging.{source}")
        run_sql(connection, "staging/create_staging_tables.sql")
        return
    defined = connection.execute(
        "select sql from duckdb_views() "
        "where database_name = current_database() and schema_name = 'staging' and view_name = ?",
        [source],
    ).fetchone()
    if defined is not None and marker in defined[0] and not redefine:
        # Already over these months (the glob covers every month; the lake table holds them all):
        # redefining it would be a catalog change, which two workers ingesting months at once would
        # conflict on.
        return
    statement = read_sql(f"staging/{source}_view.sql").replace(f"${source}_months", months)
    for part in duckdb.extract_statements(statement):
        # Two workers starting on a new lake define the view at the same time: one commit loses.
        _execute(connection, part, None)


# The working database's layout. Tables are created `if not exists`, so a changed table would never
# reach an existing database: a change bumps SCHEMA_VERSION and lists, under the new number, the SQL
# that brings an older database there (idempotent files, run in order, each in one transaction).
# 1: before versioning. 2: staging.roll_month_keys and staging.unread_raw_paths. 3: the resident
# register's staging.resident_files and staging.resident_month_keys (all created by
# create_staging_tables.sql). 4: staging.rolls and staging.residents show person_key's two stored
# halves, and the register no household_key (the views are redefined over the month files present:
# VIEWS_REDEFINED_AT).
SCHEMA_VERSION = 4
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: ("staging/create_staging_tables.sql",),
    3: ("staging/create_staging_tables.sql",),
}
VIEWS_REDEFINED_AT = 4


class SchemaTooNew(RuntimeError):
    """The working database was written by a newer version of the pipeline."""


def ensure_schema(connection: duckdb.DuckDBPyConnection, paths: DataPaths) -> int:
    """Bring the working database to :data:`SCHEMA_VERSION` (a new one is simply stamped) and return
    the version it had. A database newer than this code is refused, never written."""
    stored, other_tables = run_sql(connection, "migrations/schema_version.sql").fetchone()
    if stored is None:
        stored = 1 if other_tables else SCHEMA_VERSION
        if stored == SCHEMA_VERSION:
            run_sql(connection, "migrations/record_schema_version.sql", {"version": SCHEMA_VERSION})
    if stored > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{paths.working_database_name}: working database of layout version {stored}, and this "
            f"version of the pipeline knows up to {SCHEMA_VERSION}; run the newer pipeline, or move the "
            "working database aside and run `python -m pipeline run --all` to rebuild it from raw/ "
            "(the published warehouse is unchanged)"
        )
    for version in range(stored + 1, SCHEMA_VERSION + 1):
        with transaction(connection):
            for sql in MIGRATIONS.get(version, ()):
                run_sql(connection, sql)
            if version == VIEWS_REDEFINED_AT:
                for source in MONTH_SOURCES:
                    define_month_view(connection, source, paths.month_store(source), redefine=True)
            run_sql(connection, "migrations/record_schema_version.sql", {"version": version})
    return stored


CHECKPOINT_THRESHOLD = "256MB"


def _duckdb_config(paths: DataPaths) -> dict[str, str]:
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT),
        "temp_directory": str(paths.work_dir / "spill"),
        # Each period's marts are one transaction; at the default 16 MB of WAL every commit
        # checkpoints, and that took 2.1 s of a 3.6 s period on the demo. Commits stay durable
        # (the WAL is replayed after a crash). Changes wait in memory until the checkpoint, so
        # the threshold bounds that: 256 MB ran the demo as fast as 1 GB, with 0.8 GB less RSS.
        "checkpoint_threshold": CHECKPOINT_THRESHOLD,
    }


def _open_work(paths: DataPaths, read_only: bool) -> duckdb.DuckDBPyConnection:
    """The DuckDB file ``paths.work_db``, or, when a lake catalog is configured
    (``$PIPELINE_LAKE_CATALOG``), an in-memory DuckDB with the lake attached and in use: the same SQL
    then reads and writes the lake's ``staging``, ``ref``, ``marts``… schemas."""
    make_private(paths.work_dir)
    if not paths.lake_catalog:
        connection = duckdb.connect(str(paths.work_db), read_only=read_only, config=_duckdb_config(paths))
        if not read_only:
            os.chmod(paths.work_db, 0o600)
    else:
        from pipeline.lake import attach_lake  # pipeline.lake builds on this module

        connection = duckdb.connect(":memory:", config=_duckdb_config(paths))
        try:
            attach_lake(connection, paths.lake_catalog, paths.lake_files, read_only=read_only)
            connection.execute("use lake")
        except BaseException:
            connection.close()
            raise
    # DuckDB draws a progress bar on stdout for queries over 2 s: noise in the step logs and in the
    # outreach command's output, which has its own progress lines. (A connection's setting only.)
    connection.execute("set enable_progress_bar = false")
    return connection


@contextmanager
def connect_work(paths: DataPaths) -> Iterator[duckdb.DuckDBPyConnection]:
    """The working database (created on first use). DuckDB would take 80% of the machine's memory by
    default; a national roll month must fit in 8 GB with polars alongside, so DuckDB is capped (and
    spills to disk beyond the cap). It checkpoints when a step closes it rather than at every commit.
    The working area is private (0700): analysts read marts/, not it."""
    connection = _open_work(paths, read_only=False)
    try:
        ensure_schema(connection, paths)
        yield connection
    finally:
        connection.close()


@contextmanager
def connect_work_read_only(paths: DataPaths) -> Iterator[duckdb.DuckDBPyConnection]:
    """The working database, to read only (it must exist; its layout is not brought up to date)."""
    connection = _open_work(paths, read_only=True)
    try:
        yield connection
    finally:
        connection.close()


@dataclass(frozen=True)
class Publication:
    path: Path
    row_counts: dict[str, int]
    seconds: float
    incremental: bool = False  # only the periods rebuilt since the last publication were copied


BUILD_ALIAS = "publication_build"


def publish(
    work: duckdb.DuckDBPyConnection,
    paths: DataPaths,
    tables: tuple[Table, ...] = PUBLISHED_TABLES,
    record: Mapping[str, object] | None = None,
) -> Publication:
    """Build a new warehouse file from the working database and swap it in atomically.

    The new file is ATTACHed to the working connection and filled with ``insert … select``: DuckDB
    copies in parallel and nothing passes through Python. When the published warehouse is the one the
    working database last published (same latest publication), the new file starts as a copy of it and
    only the periods rebuilt since (``publication.unpublished_periods``) are replaced in the marts, so a
    nightly run does not rewrite years of history; otherwise (first publication, a rebuilt working
    database, a changed table definition) every table is copied. With ``record`` (run_id,
    checks_passed, checks_warned), this publication is appended to ``ref.publications`` in the new
    file, and to the working database's history only once the file is in place. ``work`` must not be
    inside a transaction (DuckDB lets a transaction write to one database only)."""
    started = time.perf_counter()
    paths.marts.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(paths)
    if OUTREACH_EXPORTS in tables:
        define_tables(work, OUTREACH_EXPORTS.ddl)  # published (empty) before any export was made
    if tables != PUBLISHED_TABLES:  # a partial warehouse (tests): copied whole, nothing tracked
        return _publish(work, paths, tables, record, started, incremental=False)
    run_sql(work, "marts/unpublished_periods.sql", {"period": None})
    if _in_step_with_published(work, paths):
        try:
            return _publish(work, paths, tables, record, started, incremental=True)
        except duckdb.Error as error:
            if find_os_failure(error) is not None:
                raise  # a full or unwritable disk would fail the full copy too, only later
            # e.g. a table definition changed since the last publication: copy everything
    return _publish(work, paths, tables, record, started, incremental=False)


def _in_step_with_published(work: duckdb.DuckDBPyConnection, paths: DataPaths) -> bool:
    if not paths.warehouse.exists():
        return False
    latest = "select max(publication_id), arg_max(run_id, publication_id) from ref.publications"
    try:
        with duckdb.connect(str(paths.warehouse), read_only=True) as published:
            theirs = published.execute(latest).fetchone()
        ours = work.execute(latest).fetchone()
    except duckdb.Error:
        return False
    return theirs[0] is not None and theirs == ours


def _publish(
    work: duckdb.DuckDBPyConnection,
    paths: DataPaths,
    tables: tuple[Table, ...],
    record: Mapping[str, object] | None,
    started: float,
    incremental: bool,
) -> Publication:
    building = paths.marts / f"{build_name('.' + paths.warehouse.name)}.building"
    row_counts: dict[str, int] = {}
    work_catalog = _quoted_identifier(work.execute("select current_database()").fetchone()[0])
    attached = False
    changed = f"select period from {work_catalog}.publication.unpublished_periods"  # noqa: S608
    # One file defines every mart table (130 statements with the comments): run once per build,
    # not once per table (0.2-0.3 s of a publication).
    defined: set[str] = set()
    try:
        # Inside the try: a copy cut short by a full disk, or a file that cannot be attached, is
        # removed here rather than left to take space until the next run.
        if incremental:
            shutil.copyfile(paths.warehouse, building)
        work.execute(f"attach {sql_string_literal(str(building))} as {BUILD_ALIAS}")
        attached = True
        for table in tables:
            # Identifiers come from the fixed list of published tables, never from data.
            target, source = f"{BUILD_ALIAS}.{table.name}", f"{work_catalog}.{table.name}"
            if incremental and table in MART_TABLES:
                work.execute(f"delete from {target} where period in ({changed})")  # noqa: S608
                work.execute(
                    f"insert into {target} by name select * from {source} where period in ({changed})"  # noqa: S608
                )
            else:
                if table.ddl not in defined:
                    work.execute(f"use {BUILD_ALIAS}")
                    try:
                        # The table, with its comments, in the new file; a copied history gains new columns.
                        run_sql(work, table.ddl)
                    finally:
                        work.execute(f"use {work_catalog}")
                    defined.add(table.ddl)
                if not (incremental and table is PUBLICATIONS):  # the copy already holds the history
                    # A table created `if not exists` (an audit log) keeps the copy's rows: replaced whole.
                    work.execute(f"delete from {target}")  # noqa: S608
                    work.execute(f"insert into {target} by name select * from {source}")  # noqa: S608
            row_counts[table.name] = work.execute(f"select count(*) from {target}").fetchone()[0]  # noqa: S608
        new_history = None
        if record is not None:
            if PUBLICATIONS.name in row_counts:
                row_counts[PUBLICATIONS.name] += 1  # the row this publication appends to its history
            run_sql(work, "reference/publication_inputs.sql")
            counts = [{"table_name": name, "n_rows": rows} for name, rows in sorted(row_counts.items())]
            work.execute(f"use {BUILD_ALIAS}")
            try:
                run_sql(work, "reference/record_publication.sql", {**record, "row_counts": counts})
                new_history = work.execute(
                    "select * from ref.publications where run_id = $run_id", {"run_id": record["run_id"]}
                ).to_arrow_table()
            finally:
                work.execute(f"use {work_catalog}")
        work.execute(f"detach {BUILD_ALIAS}")
        attached = False
        _fsync(building)
        os.replace(building, paths.warehouse)
        _fsync(paths.marts)
        with transaction(work):
            if new_history is not None:
                work.from_arrow(new_history).insert_into(PUBLICATIONS.name)
            if tables == PUBLISHED_TABLES:
                work.execute("delete from publication.unpublished_periods")
    except BaseException:
        if attached:
            execute_quietly(work, f"use {work_catalog}")
            execute_quietly(work, f"detach {BUILD_ALIAS}")  # a full disk can fail the detach too
        for leftover in (building, Path(f"{building}.wal")):
            try:
                leftover.unlink(missing_ok=True)
            except OSError as error:  # e.g. the directory became unwritable: the next run removes it
                log.debug("could not remove %s after a failure: %s", leftover, error)
        raise
    return Publication(paths.warehouse, row_counts, time.perf_counter() - started, incremental)


def _quoted_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def remove_stale_builds(paths: DataPaths) -> list[Path]:
    """What a killed process was building (its pid is in the name, and it is gone) is removed: a
    warehouse being published (``.coverage.duckdb.<pid>.<id>.building``) and a person-level month
    being ingested (``<source>_building/<month>.<pid>.<id>/`` in the working area, which holds a
    national month's pending files: gigabytes), and the outreach command's copy of a large register
    CSV (``outreach_building/csv.<pid>.<id>/``)."""
    removed = []
    published = [(p, 3) for p in paths.marts.glob(f".{paths.warehouse.name}.*.building*")]
    months = [(p, 1) for p in paths.work_dir.glob("*_building/*")]
    for leftover, pid_at in published + months:
        parts = leftover.name.split(".")
        pid = parts[pid_at] if len(parts) > pid_at + 1 else ""
        tag = parts[pid_at + 1] if len(parts) > pid_at + 1 else ""
        if len(tag) == len(HOST_TAG) + 8 and not tag.startswith(HOST_TAG):
            continue  # another machine's: only that machine knows whether its process is alive
        if pid.isdigit() and _process_alive(int(pid)):
            continue
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def stored_person_months(paths: DataPaths) -> list[tuple[str, str, str | None]]:
    """Every stored month of a person-level source: (source, ``YYYY-MM``, fingerprint of its pseudonym
    key), oldest first; empty when there is no working database yet."""
    if not paths.has_working_database:
        return []
    with connect_work(paths) as connection:
        define_tables(connection, "staging/create_staging_tables.sql")
        return run_sql(connection, "staging/stored_person_months.sql").fetchall()
