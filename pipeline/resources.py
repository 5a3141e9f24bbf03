"""Dagster resources: the data dir and the working database."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path

import dagster as dg
import duckdb

from pipeline.settings import DATA_DIR_ENV, PROJECT_ROOT, DataPaths
from pipeline.warehouse import connect_work


class WarehouseResource(dg.ConfigurableResource):
    """Where raw files are read and the warehouse is built.

    ``data_dir`` empty means ``$PIPELINE_DATA_DIR``, else ``data/`` at the project root (raw contract).
    It is resolved when a run uses it, so the same definitions serve the CLI, the UI and tests.
    """

    data_dir: str = ""

    @property
    def paths(self) -> DataPaths:
        chosen = self.data_dir or os.environ.get(DATA_DIR_ENV) or str(PROJECT_ROOT / "data")
        return DataPaths(Path(chosen).resolve())

    def connect(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """The working database; one connection per asset step, closed at the end of the step."""
        return connect_work(self.paths)
