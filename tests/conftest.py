"""Shared fixtures: every test gets its own data dir in tmp_path and an ephemeral Dagster instance.

No test touches the real data/ dir, the project's .dagster/ state, or the network.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipeline.runner import month_range_tags
from pipeline.settings import DataPaths


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
        job = defs.resolve_implicit_global_asset_job_def()
        with dg.DagsterInstance.ephemeral() as instance:
            return job.execute_in_process(
                instance=instance,
                asset_selection=selection,
                tags=month_range_tags(months),
                raise_on_error=False,
            )

    return _run
