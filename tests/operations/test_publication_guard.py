"""Checks before publication (issue 10, part 6): publication launched on its own refuses marts whose
latest blocking checks failed, and a run that built marts without publishing them is followed by a
publication run."""

from __future__ import annotations

import dagster as dg
import pytest

from assets.automation import publish_after_marts_sensor
from assets.marts import MART_KEYS
from pipeline.definitions import defs
from pipeline.runner import month_range_tags
from pipeline.settings import DataPaths
from tests.conftest import ROLL_HEADER, write

pytestmark = pytest.mark.slow
MONTH = ("2025-08", "2025-08")
COVERAGE = dg.AssetKey(["marts", "coverage"])
PUBLISHED = dg.AssetKey("published_warehouse")


def deliver(data_dir: DataPaths) -> None:
    rows = [f"{i:010d},BHYT,00004,F,1990,GD,,," for i in range(1, 11)]
    write(data_dir.raw / "rolls/2025-08/part-1.csv", "\n".join([ROLL_HEADER, *rows]) + "\n")


def execute(
    instance: dg.DagsterInstance, job_name: str = "pipeline_job", **selection
) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, tags=month_range_tags(MONTH), raise_on_error=False, **selection
    )


def test_publication_alone_refuses_marts_whose_latest_blocking_check_failed(data_dir: DataPaths):
    deliver(data_dir)
    with dg.DagsterInstance.ephemeral() as instance:
        assert execute(instance).success
        published = data_dir.warehouse.read_bytes()
        # The grain check, run again on its own after a bad rebuild, failed (recorded as Dagster records it).
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(
                asset_key=COVERAGE,
                check_name="grain_holds",
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
            )
        )

        refused = execute(instance, "publish_job")

        assert not refused.success
        failure = next(e for e in refused.all_events if e.is_step_failure)
        assert "not published: the latest evaluation of marts/coverage:grain_holds failed" in str(
            failure.step_failure_data.error.message
        )
        assert data_dir.warehouse.read_bytes() == published


def test_a_run_that_built_marts_without_publishing_is_followed_by_a_publication(data_dir: DataPaths):
    deliver(data_dir)
    with dg.DagsterInstance.ephemeral() as instance:
        published = execute(instance)
        assert published.success
        # A backfill of the marts alone, as launched from the UI: nothing in it publishes.
        marts_only = execute(instance, asset_selection=list(MART_KEYS.values()))
        assert marts_only.success
        assert not any(e.asset_key == PUBLISHED for e in marts_only.get_asset_materialization_events())

        def tick(run_id: str):
            run = instance.get_run_by_id(run_id)
            context = dg.build_run_status_sensor_context(
                sensor_name=publish_after_marts_sensor.name,
                dagster_instance=instance,
                dagster_run=run,
                dagster_event=next(
                    iter(instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_SUCCESS))
                ).dagster_event,
            )
            return publish_after_marts_sensor(context)

        request = tick(marts_only.run_id)
        assert isinstance(request, dg.RunRequest)
        assert request.run_key == f"publish-after:{marts_only.run_id}"
        assert isinstance(tick(published.run_id), dg.SkipReason)  # it published: nothing to add
