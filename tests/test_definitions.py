"""The definitions graph as a reviewed snapshot: asset keys, dependencies, partitions, checks, jobs,
schedules and sensors. A change to the graph shows up here as a diff to review.

Regenerate after an intended change with ``UPDATE_SNAPSHOTS=1 make test``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def describe_definitions() -> dict:
    from pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "partitions": type(node.partitions_def).__name__ if node.partitions_def else None,
            "kinds": sorted(node.kinds),
            "owners": sorted(node.owners),
            "has_description": bool(node.description),
        }
    checks = sorted(
        f"{check.asset_key.to_user_string()}:{check.name}:{'blocking' if spec.blocking else 'non-blocking'}"
        for check, spec in ((key, graph.get_check_spec(key)) for key in graph.asset_check_keys)
    )
    return {
        "assets": assets,
        "checks": checks,
        "jobs": sorted(job.name for job in defs.jobs or []),
        "schedules": sorted(
            f"{s.name}:{s.cron_schedule}:{s.execution_timezone}" for s in defs.schedules or []
        ),
        "sensors": sorted(sensor.name for sensor in defs.sensors or []),
    }


def test_definitions_graph_matches_the_snapshot():
    current = describe_definitions()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert all(asset["has_description"] for asset in current["assets"].values())


@pytest.mark.slow
def test_dg_check_defs_passes_from_the_project_root(tmp_path: Path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "dg"), "check", "defs"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "All definitions loaded successfully" in result.stdout + result.stderr
