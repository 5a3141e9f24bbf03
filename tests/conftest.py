"""Shared fixtures: every test gets its own data dir in tmp_path and an ephemeral Dagster instance.

No test touches the real data/ dir, the project's .dagster/ state, or the network.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipeline.settings import DataPaths


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DataPaths:
    """An empty data dir, selected the way users select it: through PIPELINE_DATA_DIR."""
    root = tmp_path / "data"
    (root / "raw").mkdir(parents=True)
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(root))
    return DataPaths(root)


@pytest.fixture
def run_graph(data_dir: DataPaths):
    """Materialise (a selection of) the real definitions in an ephemeral instance."""
    from pipeline.definitions import defs

    def _run(selection: list[dg.AssetKey] | None = None) -> dg.ExecuteInProcessResult:
        job = defs.resolve_implicit_global_asset_job_def()
        with dg.DagsterInstance.ephemeral() as instance:
            return job.execute_in_process(instance=instance, asset_selection=selection, raise_on_error=False)

    return _run
