"""Dagster resources: the data dir and the working database, and the pseudonym key."""

from __future__ import annotations

import contextlib
import os
from contextlib import AbstractContextManager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipeline.lock import RunLock
from pipeline.pseudonym import KEY_ENV, fingerprint, load_key
from pipeline.runner import REKEY_TAG
from pipeline.settings import DATA_DIR_ENV, PROJECT_ROOT, DataPaths
from pipeline.warehouse import connect_work, connect_work_read_only, remove_stale_builds

# Every step that opens the working database (every asset and check step of the graph) is in this
# Dagster pool. The working DuckDB file admits one writer, and each step also holds its file lock
# (pipeline/lock.py). The deployment limits the pool to one step at a time (deploy/dagster.yaml), so
# the run coordinator hands a Celery worker a step only when the database is free, instead of the
# worker taking the task and waiting on the lock. The embedded default sets no limit: its one process
# runs the steps one after another anyway.
WAREHOUSE_POOL = "working_database"
# Except the person-level months (rolls, residents): on a lake with a PostgreSQL catalog several
# workers ingest different months at once, each month swapped in by one transaction, retried whole
# when another's commit came first (pipeline/ingest.py). A deployment sets this pool's limit to its
# number of workers (docs/deployment.md); on a DuckDB file the lock still takes them one at a time.
PERSON_MONTHS_POOL = "person_months"


class WarehouseResource(dg.ConfigurableResource):
    """Where raw files are read and the warehouse is built.

    ``data_dir`` empty means ``$PIPELINE_DATA_DIR``, else ``data/`` at the project root (raw contract).
    It is resolved when a run uses it, so the same definitions serve the CLI, the UI and tests.
    """

    data_dir: str = ""
    _lock: RunLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Hold the warehouse lock for the whole run (the in-process executor runs every step here),
        so two runs never write the working database or publish at the same time. A lake whose
        catalog is PostgreSQL needs no lock: its transactions keep concurrent writers apart, and the
        deployment's pools keep the marts and publication to one step at a time."""
        if not self.paths.shared_catalog:
            self._lock = RunLock(self.paths.work_dir / "pipeline.lock")
            self._lock.acquire()
        # Half-built files of a killed run are removed once we are the only writer.
        self.paths.marts.mkdir(parents=True, exist_ok=True)
        remove_stale_builds(self.paths)
        try:
            self._refuse_another_key(context)
        except BaseException:
            if self._lock is not None:
                self._lock.release()  # Dagster does not tear down a resource whose setup failed
            raise

    def _refuse_another_key(self, context: dg.InitResourceContext) -> None:
        """Stop the run before any step writes when its pseudonym key did not key the stored months
        (the rolls asset checks again before it writes a month). Done here, holding the run lock: no
        other run has the working database open, so opening it cannot make a running step fail. The
        key is the one the pseudonym_key resource resolves (the variable, else the key file)."""
        run = context.run
        if run is not None and run.tags.get(REKEY_TAG) == "true":
            return
        if not self.paths.has_working_database:
            return
        from pipeline.ingest import check_key  # polars and the SQL files: only when a run starts

        # A working database from before fingerprints has no table to compare with: ingestion adopts.
        # A lake with a PostgreSQL catalog is opened to write, which creates it on first use: other
        # processes writing it are not disturbed, unlike a DuckDB file's writer.
        opened = connect_work if self.paths.shared_catalog else connect_work_read_only
        with (
            opened(self.paths) as connection,
            contextlib.suppress(duckdb.CatalogException),
        ):
            check_key(connection, fingerprint(load_key(self.paths)), self.paths, adopt=False)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.release()

    @property
    def paths(self) -> DataPaths:
        chosen = self.data_dir or os.environ.get(DATA_DIR_ENV) or str(PROJECT_ROOT / "data")
        return DataPaths(Path(chosen).resolve())

    def connect(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """The working database; one connection per asset step, closed at the end of the step."""
        return connect_work(self.paths)


class PseudonymKeyResource(dg.ConfigurableResource):
    """The secret key of the pseudonym (pipeline/pseudonym.py). Bound to ``EnvVar("PIPELINE_PSEUDONYM_KEY")``
    when that is set where the definitions load, so Dagster shows the variable's name, never the value;
    empty means the variable read at run time, else the data dir's key file."""

    key: str = ""

    def value(self, paths: DataPaths) -> bytes:
        return self.key.encode() if self.key else load_key(paths)


def pseudonym_key_resource() -> PseudonymKeyResource:
    return PseudonymKeyResource(key=dg.EnvVar(KEY_ENV)) if os.environ.get(KEY_ENV) else PseudonymKeyResource()
