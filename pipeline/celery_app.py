"""The Celery app the workers run: ``celery -A pipeline.celery_app worker`` (docs/deployment.md).

Dagster's own ``dagster_celery.app`` would take its broker from a generated config module and its
settings from dagster-celery's defaults; this one takes them from the environment and from
:func:`pipeline.executor.celery_app_args`, as the run coordinator does, so both sides agree."""

import os

from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from pipeline.executor import CELERY_BROKER_ENV, celery_app_args

if not os.environ.get(CELERY_BROKER_ENV):
    raise SystemExit(
        f"{CELERY_BROKER_ENV} is not set: a worker must listen to the broker the runs submit steps to "
        "(e.g. redis://host:6379/0; deploy/environment.example, docs/deployment.md)"
    )
app = make_app(celery_app_args(os.environ[CELERY_BROKER_ENV]))
execute_plan = create_task(app)
