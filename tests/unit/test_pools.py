"""Every step of every job opens the working database: each is in the pool the deployment limits to
one step at a time (deploy/dagster.yaml), except the person-level months, whose pool admits as many as
there are workers sharing a lake."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.definitions import defs
from pipeline.resources import PERSON_MONTHS_POOL, WAREHOUSE_POOL

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_every_step_is_in_the_working_database_pool_but_the_person_months():
    pools = {
        node.name: node.definition.pool for job in defs.resolve_all_job_defs() for node in job.graph.nodes
    }
    months = {name for name, pool in pools.items() if pool == PERSON_MONTHS_POOL}
    assert months == {"staging__rolls", "staging__residents"}
    assert {pool for name, pool in pools.items() if name not in months} == {WAREHOUSE_POOL}


def test_the_deployment_admits_one_step_of_the_pool_at_a_time():
    instance = yaml.safe_load((PROJECT_ROOT / "deploy" / "dagster.yaml").read_text())
    assert instance["concurrency"]["pools"] == {"granularity": "op", "default_limit": 1}
