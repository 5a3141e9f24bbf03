"""The CLI when the machine refuses a write: a full disk, a permission denied, a read-only filesystem.

Each fault is injected at the point of writing (CI runs as root, for whom chmod refuses nothing), on a
real run of the real graph in this process, after a first run has published. The CLI must say first, in
plain words, what happened, never hide it behind the failed rollback that followed, and leave the
published warehouse byte for byte as it was.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

import assets.marts
import assets.publication
from pipeline.cli import main
from pipeline.marts import build_period
from pipeline.warehouse import publish
from tests.conftest import ROLL_HEADER, write

pytestmark = pytest.mark.slow
PERIOD = ["run", "--period", "2025-08"]
UNCHANGED = "and re-run (the published warehouse is unchanged)"


def use_data_dir(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data dir and a throwaway Dagster home under ``root``, chosen as users choose them."""
    (root / "dagster").mkdir(parents=True, exist_ok=True)
    (root / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(root / "dagster"))
    monkeypatch.setenv("PIPELINE_PSEUDONYM_KEY", "test-only-pseudonym-key")
    return root / "data"


@pytest.fixture(scope="module")
def published_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir whose warehouse a real run has published; each test works on a copy."""
    root = tmp_path_factory.mktemp("published")
    with pytest.MonkeyPatch.context() as monkeypatch:
        data = use_data_dir(root, monkeypatch)
        rows = [f"{i:010d},BHYT,00004,F,1990,GD,,," for i in range(1, 41)]
        write(data / "raw/rolls/2025-08/part-1.csv", "\n".join([ROLL_HEADER, *rows]) + "\n")
        write(
            data / "raw/population/2025.csv",
            "year,unit_level,unit_code,population\n2025,commune,00004,5000\n",
        )
        assert main(PERIOD) == 0
    return root


@pytest.fixture
def data(published_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(published_template, tmp_path, dirs_exist_ok=True)
    return use_data_dir(tmp_path, monkeypatch)


class FaultyConnection:
    """The working connection, except that ``fault(statement)`` may raise instead of running it."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, fault):
        self._connection, self._fault = connection, fault

    def execute(self, statement, *args):
        if isinstance(statement, str):
            self._fault(self._connection, statement)
        return self._connection.execute(statement, *args)

    def __getattr__(self, name: str):
        return getattr(self._connection, name)


def run_failing(data: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI; it must fail without touching the warehouse. Returns what it printed on stderr."""
    warehouse = data / "marts" / "coverage.duckdb"
    before = warehouse.read_bytes()
    capsys.readouterr()
    assert main(PERIOD) == 1
    stderr = capsys.readouterr().err
    assert warehouse.read_bytes() == before
    assert not list((data / "marts").glob(".coverage.duckdb.*")), "a half-built warehouse was left behind"
    assert "cannot rollback" not in stderr
    return stderr


def first_error_line(stderr: str) -> str:
    """The CLI's first word on the failure: the ``error:`` line, printed before the run's details."""
    failure_report = stderr[stderr.index("error: ") :]
    assert failure_report.index("error: ") < failure_report.index("FAILED after")
    return failure_report.splitlines()[0]


def test_a_full_disk_at_a_commit_is_named_not_hidden_behind_the_rollback(data, capsys, monkeypatch):
    """The working database's WAL cannot be written when the marts commit: DuckDB ends the transaction
    and says "No space left on device"; the rollback after it used to replace that with "cannot
    rollback - no transaction is active"."""
    wal = data / "marts/_work/pipeline.duckdb.wal"
    cannot_write = f'Could not write file "{wal}": No space left on device'

    def disk_full_at_commit(connection, statement):
        if statement.strip().lower() == "commit":
            connection.execute("rollback")  # as DuckDB does when a commit cannot be written
            raise duckdb.TransactionException(f"TransactionContext Error: Failed to commit: {cannot_write}")

    monkeypatch.setattr(
        assets.marts,
        "build_period",
        lambda connection, key: build_period(FaultyConnection(connection, disk_full_at_commit), key),
    )
    stderr = run_failing(data, capsys)
    assert first_error_line(stderr) == (
        f"error: no space left on device while writing the working database ({wal}); "
        f"free space under {data} {UNCHANGED}"
    )
    assert "No space left on device" in stderr.split("FAILED after", 1)[1]  # and in the step's line


def test_a_permission_denied_at_the_rename_is_named(data, capsys, monkeypatch):
    warehouse = data / "marts" / "coverage.duckdb"
    real_replace = os.replace

    def replace(source, destination, *args, **kwargs):
        if Path(destination) == warehouse:
            raise PermissionError(
                errno.EACCES, os.strerror(errno.EACCES), str(source), None, str(destination)
            )
        return real_replace(source, destination, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    stderr = run_failing(data, capsys)
    assert first_error_line(stderr) == (
        f"error: permission denied on {warehouse}; "
        f"give the user running the pipeline read and write access under {data} {UNCHANGED}"
    )


def test_a_read_only_filesystem_for_the_new_warehouse_file_is_named(data, capsys, monkeypatch):
    """DuckDB cannot create the file the new warehouse is built in (ATTACH)."""

    def read_only(connection, statement):
        if statement.startswith("attach "):
            building = re.search(r"attach '([^']+)'", statement).group(1)
            raise duckdb.IOException(f'IO Error: Cannot open file "{building}": Read-only file system')

    monkeypatch.setattr(
        assets.publication,
        "publish",
        lambda work, *args, **kwargs: publish(FaultyConnection(work, read_only), *args, **kwargs),
    )
    stderr = run_failing(data, capsys)
    line = first_error_line(stderr)
    assert re.fullmatch(
        rf"error: read-only file system while writing the new warehouse file "
        rf"\({re.escape(str(data / 'marts'))}/\.coverage\.duckdb\.\d+\.[0-9a-f]+\.building\); "
        rf"remount it read-write or set PIPELINE_DATA_DIR to a writable directory {re.escape(UNCHANGED)}",
        line,
    ), line


def test_a_read_only_filesystem_before_any_step_ran_is_named(tmp_path, capsys, monkeypatch):
    """Dagster's own storage (under DAGSTER_HOME) cannot be written: no run starts, and the CLI still
    says why instead of ending in a traceback."""
    use_data_dir(tmp_path, monkeypatch)
    runs_db = tmp_path / "dagster" / "storage" / "runs.db"

    def read_only_storage(months, tags=None, verbose=False):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(runs_db))

    monkeypatch.setattr("pipeline.runner.materialize", read_only_storage)
    assert main(PERIOD) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: read-only file system while writing {runs_db}; remount it read-write or set "
        f"PIPELINE_DATA_DIR to a writable directory {UNCHANGED}"
    ]
