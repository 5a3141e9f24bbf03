"""Where a run's steps execute: in the run's own process (the embedded default), or as Celery tasks on
workers when the deployment names a broker (``deploy/``, docs/deployment.md).

Decided when a run starts, from the environment of the process that runs it, so one set of
definitions serves both: nothing is chosen at import. ``python -m pipeline run`` and the tests use
``execute_in_process``, which always runs in its own process whatever this says."""

from __future__ import annotations

import os

import dagster as dg
from dagster._core.execution.retries import RetryMode, get_retries_config
from dagster._core.executor.in_process import InProcessExecutor

# The Celery broker the workers listen to (e.g. redis://host:6379/0); unset means in-process.
CELERY_BROKER_ENV = "PIPELINE_CELERY_BROKER"
# Where the workers post task results; defaults to the broker.
CELERY_BACKEND_ENV = "PIPELINE_CELERY_BACKEND"


@dg.executor(name="pipeline_executor", config_schema={"retries": get_retries_config()})
def pipeline_executor(init_context: dg.InitExecutorContext) -> dg.Executor:
    """In the run's process; on Celery workers when PIPELINE_CELERY_BROKER is set where the run
    starts (docs/deployment.md)."""
    retries = RetryMode.from_config(init_context.executor_config["retries"])
    broker = os.environ.get(CELERY_BROKER_ENV)
    if not broker:
        return InProcessExecutor(retries=retries)
    if init_context.instance.is_ephemeral:
        raise dg.DagsterInvariantViolationError(
            f"{CELERY_BROKER_ENV} is set but this run has no persistent Dagster instance for the workers "
            "to report to: set DAGSTER_HOME to a directory whose dagster.yaml names shared storage "
            "(deploy/dagster.yaml)"
        )
    from dagster_celery.executor import CeleryExecutor  # installed with the project; only used here

    return CeleryExecutor(retries=retries, **celery_app_args(broker))


def celery_app_args(broker: str) -> dict:
    """The Celery app of the run coordinator and of the workers (pipeline/celery_app.py): the same
    broker, backend and settings on both sides.

    A task is acknowledged when it ends, not when a worker takes it, and handed back to the queue when
    the process running it dies (a worker killed, a machine lost, the kernel's OOM killer): another
    worker runs the step again, after the warehouse lock has cleared what the dead one half-built
    (pipeline/resources.py). Without this, the task is lost and the run waits for it forever."""
    return {
        "broker": broker,
        "backend": os.environ.get(CELERY_BACKEND_ENV) or broker,
        "config_source": {
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            # One step at a time per worker process; a step can take hours (a national backfill).
            "worker_prefetch_multiplier": 1,
            # With late acknowledgement, Redis hands a task to another worker when it is not
            # acknowledged within this time: longer than any step, or a slow step would run twice.
            "broker_transport_options": {"visibility_timeout": 24 * 3600},
        },
    }
