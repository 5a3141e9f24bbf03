"""Failures of the machine: a commit that cannot be written reports why, and disk-full, permission and
read-only conditions are recognised in every shape they reach the CLI in."""

from __future__ import annotations

import errno
import os
import resource
import sys
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster._utils.error import serializable_error_info_from_exc_info

from pipeline import warehouse
from pipeline.failures import DISK_FULL, FILE_TOO_LARGE, PERMISSION_DENIED, READ_ONLY, find_os_failure
from pipeline.warehouse import Table, load_table

DATA = Path("/srv/coverage/data")
WAL = DATA / "marts/_work/pipeline.duckdb.wal"
BUILDING = DATA / "marts/.c.duckdb.1.ab.building"
UNCHANGED = "and re-run (the published warehouse is unchanged)"
COMMIT_FAILED = (
    f'TransactionContext Error: Failed to commit: Could not write file "{WAL}": No space left on device'
)


def test_a_commit_that_cannot_be_written_raises_its_own_error_and_leaves_the_table_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A real failed commit: the file size limit (RLIMIT_FSIZE, which binds root too) stops DuckDB
    writing its WAL. DuckDB then ends the transaction itself, so the rollback that followed used to
    raise "cannot rollback - no transaction is active" in place of the reason."""
    monkeypatch.setattr(warehouse, "SQL_DIR", tmp_path)
    (tmp_path / "people_count.sql").write_text("create or replace table main.people_count (n bigint);\n")
    table = Table("main.people_count", "people_count.sql")
    database = tmp_path / "work.duckdb"
    with duckdb.connect(str(database)) as connection:
        load_table(connection, table, pl.DataFrame({"n": [1]}))
        connection.execute("checkpoint")
        limit = database.stat().st_size + 4096  # room for a few WAL bytes, not for the rows
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
        try:
            with pytest.raises(duckdb.Error) as raised:
                load_table(connection, table, pl.DataFrame({"n": range(50_000)}))
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        assert "cannot rollback" not in str(raised.value)
        assert os.strerror(errno.EFBIG) in str(raised.value)
        failure = find_os_failure(raised.value)
        assert failure is not None and failure.condition is FILE_TOO_LARGE
        assert failure.path == f"{database}.wal"
        # The previous contents are in place, and the connection still answers.
        assert connection.execute("select * from main.people_count").fetchall() == [(1,)]


@pytest.mark.parametrize(
    ("error", "condition", "message"),
    [
        (
            OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(DATA / "marts/_work/rolls/part.parquet")),
            DISK_FULL,
            f"no space left on device while writing {DATA}/marts/_work/rolls/part.parquet; "
            f"free space under {DATA} {UNCHANGED}",
        ),
        (
            duckdb.TransactionException(COMMIT_FAILED),
            DISK_FULL,
            f"no space left on device while writing the working database ({WAL}); "
            f"free space under {DATA} {UNCHANGED}",
        ),
        (
            OSError("Parquet write failed: No space left on device (os error 28)"),  # polars (Rust)
            DISK_FULL,
            "no space left on device while writing a file (its path was not reported); "
            f"free space under {DATA} {UNCHANGED}",
        ),
        (
            PermissionError(
                errno.EACCES,
                os.strerror(errno.EACCES),
                str(DATA / "marts/.x.building"),
                None,
                str(DATA / "marts/c.duckdb"),
            ),
            PERMISSION_DENIED,
            f"permission denied on {DATA}/marts/c.duckdb; give the user running the pipeline read and write "
            f"access under {DATA} {UNCHANGED}",
        ),
        (
            PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(DATA / "marts")),
            PERMISSION_DENIED,
            None,
        ),
        (
            duckdb.IOException(f'IO Error: Cannot open file "{BUILDING}": Read-only file system'),
            READ_ONLY,
            f"read-only file system while writing the new warehouse file ({BUILDING}); "
            f"remount it read-write or set PIPELINE_DATA_DIR to a writable directory {UNCHANGED}",
        ),
        (OSError(errno.EROFS, os.strerror(errno.EROFS), "/home/ops/.dagster/runs.db"), READ_ONLY, None),
    ],
)
def test_os_conditions_are_named_from_an_errno_or_from_duckdb_s_text(error, condition, message):
    failure = find_os_failure(error)
    assert failure is not None and failure.condition is condition
    if message is not None:
        assert failure.message(DATA) == message


def test_space_outside_the_data_dir_is_asked_for_where_the_file_is():
    failure = find_os_failure(
        OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/var/dagster/storage/runs.db")
    )
    assert "free space under /var/dagster/storage and re-run" in failure.message(DATA)


def test_errors_of_the_data_are_not_mistaken_for_the_machine_s():
    assert find_os_failure(ValueError("raw/rolls/2025-08/part-1.csv: not valid UTF-8")) is None
    assert find_os_failure(duckdb.ConstraintException("Constraint Error: duplicate key")) is None


class StepError(Exception):
    """Stands for Dagster's step error, which wraps what the asset raised as its ``__cause__``."""


def step_failure_as_the_cli_sees_it(original: BaseException) -> dg.SerializableErrorInfo:
    """Dagster's serialised error for a step that failed the way the old code failed: the rollback's
    own error raised while handling ``original``, wrapped in a step error."""
    try:
        try:
            try:
                raise original
            except BaseException:
                # Implicitly chained, as a failing rollback in an except block is.
                raise duckdb.TransactionException(  # noqa: B904
                    "TransactionContext Error: cannot rollback - no transaction is active"
                )
        except BaseException as error:
            raise StepError("Error occurred while executing op") from error
    except StepError:
        return serializable_error_info_from_exc_info(sys.exc_info())


def test_the_root_cause_is_found_behind_dagster_s_wrapping_and_a_failed_rollback():
    info = step_failure_as_the_cli_sees_it(duckdb.TransactionException(COMMIT_FAILED))
    assert "cannot rollback" in info.cause.message  # the shape the old code produced
    failure = find_os_failure(info)
    assert failure is not None and failure.condition is DISK_FULL
    assert failure.path == str(WAL) and failure.in_duckdb
