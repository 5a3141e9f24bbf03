"""A demo-sized published warehouse for the report tests: the demo's seed and scale, fewer months
(aggregates for 2023; rolls and resident registers for December 2024, which gives the year's new
participants and the plans' start, and for May to August 2025, across the reform), built by the real
Dagster job and published."""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import pytest

from pipeline.generate import GenerateOptions, generate
from pipeline.generate.options import DEMO_OPTIONS
from pipeline.settings import DataPaths

MONTHS = ("2023-12", "2025-08")
# Generated (the generator writes every month from December on) but not delivered: months the report
# tests do not read, which would take a third of the build.
NOT_DELIVERED = ("2025-01", "2025-02", "2025-03", "2025-04")
OPTIONS = GenerateOptions(
    scale=DEMO_OPTIONS.scale,
    from_month="2023-01",
    to_month=MONTHS[1],
    rolls_from="2024-12",
    seed=DEMO_OPTIONS.seed,
    residents=True,
)


@pytest.fixture(scope="package")
def demo_paths(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> DataPaths:
    """Under `pytest -n` (make test) each worker running report tests asks for this; the warehouse is
    built once, by the first, in the session's temporary folder that the workers share."""
    shared = tmp_path_factory.getbasetemp()
    shared = shared.parent if worker_id != "master" else shared
    paths = DataPaths(shared / "report-demo" / "data")
    with (shared / "report-demo.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not paths.warehouse.is_file():
            _build(paths)
    return paths


def _build(paths: DataPaths) -> None:
    generate(paths, OPTIONS, progress=False)
    for source in ("rolls", "residents"):
        for month in NOT_DELIVERED:
            shutil.rmtree(paths.raw / source / month)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIPELINE_DATA_DIR", str(paths.root))
        patch.setenv("PIPELINE_PSEUDONYM_KEY", "report-tests-key")
        import dagster as dg

        from pipeline.definitions import defs
        from pipeline.runner import month_range_tags

        job = defs.resolve_job_def("pipeline_job")
        with dg.DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(instance=instance, tags=month_range_tags(MONTHS))
    assert result.success
    assert paths.warehouse.is_file()


@pytest.fixture(scope="package")
def national_report(demo_paths: DataPaths) -> Path:
    from pipeline.report import build_report

    return build_report(demo_paths)
