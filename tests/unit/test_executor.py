"""Where a run's steps execute is decided when the run starts, from its environment
(pipeline/executor.py): in the run's process by default, on Celery workers when a broker is named."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.executor.in_process import InProcessExecutor
from dagster._core.executor.init import InitExecutorContext
from dagster_celery.executor import CeleryExecutor

from pipeline.definitions import defs
from pipeline.executor import CELERY_BACKEND_ENV, CELERY_BROKER_ENV, pipeline_executor


def _executor(instance: dg.DagsterInstance) -> dg.Executor:
    context = InitExecutorContext(
        job=InMemoryJob(defs.resolve_job_def("pipeline_job")),
        executor_def=pipeline_executor,
        executor_config={"retries": {"enabled": {}}},
        instance=instance,
    )
    return pipeline_executor.executor_creation_fn(context)


def test_without_a_broker_the_steps_run_in_the_runs_process(monkeypatch):
    monkeypatch.delenv(CELERY_BROKER_ENV, raising=False)
    with dg.DagsterInstance.ephemeral() as instance:
        assert isinstance(_executor(instance), InProcessExecutor)


def test_with_a_broker_the_steps_go_to_celery_and_survive_a_dead_worker(monkeypatch, tmp_path):
    monkeypatch.setenv(CELERY_BROKER_ENV, "redis://127.0.0.1:6399/0")
    monkeypatch.delenv(CELERY_BACKEND_ENV, raising=False)
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        executor = _executor(instance)
    assert isinstance(executor, CeleryExecutor)
    assert executor.broker == executor.backend == "redis://127.0.0.1:6399/0"
    # Acknowledged when the step ends and handed back when its process dies: else the run waits forever.
    assert executor.config_source.task_acks_late is True
    assert executor.config_source.task_reject_on_worker_lost is True


def test_a_broker_without_shared_dagster_storage_is_refused_with_what_to_set(monkeypatch):
    monkeypatch.setenv(CELERY_BROKER_ENV, "redis://127.0.0.1:6399/0")
    with (
        dg.DagsterInstance.ephemeral() as instance,
        pytest.raises(dg.DagsterInvariantViolationError, match="DAGSTER_HOME"),
    ):
        _executor(instance)
