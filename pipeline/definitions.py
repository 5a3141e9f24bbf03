"""The code location: every definition under ``assets/``, bound to its resources."""

from pathlib import Path

import dagster as dg

from pipeline.executor import pipeline_executor
from pipeline.resources import WarehouseResource, pseudonym_key_resource

defs = dg.Definitions.merge(
    dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
    dg.Definitions(
        resources={"warehouse": WarehouseResource(), "pseudonym_key": pseudonym_key_resource()},
        # One process per run by default: the in-process executor starts a run in ~3.5 s where the
        # multiprocess one takes ~12 s. A deployment with Celery workers runs steps there instead
        # (pipeline/executor.py, docs/deployment.md).
        executor=pipeline_executor,
    ),
)
