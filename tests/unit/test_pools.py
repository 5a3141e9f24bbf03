"""Every step of every job opens the working database, which admits one writer: each is in the pool
the deployment limits to one step at a time (deploy/dagster.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.definitions import defs
from pipeline.resources import WAREHOUSE_POOL

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_every_step_of_every_job_is_in_the_working_database_pool():
    outside = {
        f"{job.name}:{node.name}"
        for job in defs.resolve_all_job_defs()
        for node in job.graph.nodes
        if node.definition.pool != WAREHOUSE_POOL
    }
    assert not outside


def test_the_deployment_admits_one_step_of_the_pool_at_a_time():
    instance = yaml.safe_load((PROJECT_ROOT / "deploy" / "dagster.yaml").read_text())
    assert instance["concurrency"]["pools"] == {"granularity": "op", "default_limit": 1}
