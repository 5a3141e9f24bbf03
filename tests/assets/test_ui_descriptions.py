"""The Dagster UI explains itself: every asset says what it is, where it belongs, what it is made
with and who answers for it; every check, job, schedule and sensor says what it does; every
materialisation shows the SQL files it ran, its time and a small preview (never personal data:
tests/assets/test_personal_data.py)."""

from __future__ import annotations

import re

import pytest

from assets._checks import OWNERS
from pipeline.definitions import defs
from pipeline.settings import SQL_DIR, DataPaths
from tests.conftest import ROLL_HEADER, write

KINDS = {"duckdb", "polars", "sql", "great_expectations"}
GROUPS = {"reference", "staging", "marts", "publication"}
# Materialisations whose own table already is the preview (the unread paths).
WITHOUT_PREVIEW = {"staging/raw_inventory"}


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


def test_every_asset_has_a_description_a_group_kinds_and_owners(graph):
    keys = graph.get_all_asset_keys()
    assert len(keys) >= 14
    for key in keys:
        node = graph.get(key)
        name = key.to_user_string()
        assert node.description and len(node.description) > 60, f"{name}: no description worth reading"
        assert node.group_name in GROUPS, f"{name}: group {node.group_name}"
        assert node.kinds and node.kinds <= KINDS, f"{name}: kinds {node.kinds}"
        assert list(node.owners) == OWNERS, f"{name}: owners {node.owners}"


def test_the_great_expectations_kind_marks_exactly_the_assets_a_suite_guards(graph):
    guarded = {key.asset_key for key in graph.asset_check_keys if key.name in {"gx_errors", "gx_warnings"}}
    marked = {key for key in graph.get_all_asset_keys() if "great_expectations" in graph.get(key).kinds}
    assert guarded == marked and len(marked) == 6


def test_every_check_job_schedule_and_sensor_is_described(graph):
    for key in graph.asset_check_keys:
        description = graph.get_check_spec(key).description
        assert description and len(description) > 30, f"{key.to_user_string()}: no description"
    described = [*(defs.jobs or []), *(defs.schedules or []), *(defs.sensors or [])]
    assert {d.name for d in described} >= {
        "pipeline_job",
        "publish_job",
        "nightly_schedule",
        "raw_files_sensor",
        "publish_after_marts_sensor",
    }
    for definition in described:
        assert definition.description and len(definition.description) > 30, (
            f"{definition.name}: no description"
        )


def test_every_materialisation_shows_its_sql_files_seconds_and_a_preview(
    data_dir: DataPaths, run_graph, graph
):
    raw = data_dir.raw
    rows = [f"{i:010d},BHYT,00004,F,2015,GD,,2025-01-01,2025-12-31" for i in range(1, 6)]
    write(raw / "rolls/2025-07/a.csv", "\n".join([ROLL_HEADER, *rows[:3]]) + "\n")  # retention's base
    write(raw / "rolls/2025-08/a.csv", "\n".join([ROLL_HEADER, *rows]) + "\n")
    residents = [f"{i:010d},00004,Thôn Đông,F,2015,Tên Riêng {i}" for i in range(1, 7)]
    write(
        raw / "residents/2025-08/a.csv",
        "\n".join(["person_id,commune_code,village,sex,birth_year,full_name", *residents]) + "\n",
    )
    write(raw / "population/2025.csv", "year,unit_level,unit_code,population\n2025,commune,00004,20\n")
    write(raw / "labour_force/2025.csv", "year,unit_level,unit_code,labour_force\n2025,commune,00004,12\n")
    write(
        raw / "targets/2025.csv",
        "year,unit_level,unit_code,indicator,target_pct\n2025,commune,00004,bhyt,95\n",
    )
    write(raw / "plans/2025.csv", "year,unit_level,unit_code,scheme,planned_new\n2025,commune,00004,BHYT,8\n")
    write(
        raw / "aggregates/2025-08.csv",
        "as_of,unit_level,unit_code,scheme,participants\n2025-08-31,province,79,BHYT,9\n",
    )
    result = run_graph(months=("2025-07", "2025-08"))
    assert result.success

    # The last materialisation of each asset (a monthly asset has one per month).
    events = list({e.asset_key: e for e in result.get_asset_materialization_events()}.values())
    seen = {event.asset_key for event in events}
    assert seen == set(graph.get_all_asset_keys())
    for event in events:
        key = event.asset_key
        name = key.to_user_string()
        metadata = event.materialization.metadata
        assert isinstance(metadata["seconds"].value, float), name
        files = re.findall(r"`sql/([^`]+)`", metadata["sql_files"].value)
        # The "sql" kind is honest: an asset that shows it ran SQL files, and they exist.
        assert bool(files) == ("sql" in graph.get(key).kinds), f"{name}: {files}"
        assert all((SQL_DIR / f).is_file() for f in files), f"{name}: {files}"
        if name in WITHOUT_PREVIEW:
            continue
        preview = metadata["preview"].value
        table_rows = [line for line in preview.splitlines() if line.startswith("| ")][2:]
        assert 1 <= len(table_rows) <= 10, f"{name}: {preview}"

    by_name = {e.asset_key.to_user_string(): e.materialization.metadata for e in events}
    assert "`sql/marts/coverage.sql`" in by_name["marts/coverage"]["sql_files"].value
    assert "`sql/staging/stg_rolls.sql`" in by_name["staging/rolls"]["sql_files"].value
    # The rolls preview is counts per month, never a person-level row.
    assert "| 2025-08 | 5 | 5 | 0 |" in by_name["staging/rolls"]["preview"].value
    assert "| 2025-08 | 6 | 6 | 0 |" in by_name["staging/residents"]["preview"].value
    assert "Tên Riêng" not in "".join(str(m) for e in events for m in e.materialization.metadata.values())
    assert "| population | 2025 | " in by_name["staging/population"]["preview"].value
    # Today's units first, from the top down (the nation has no row: 33 provinces did not deliver).
    first_row = by_name["marts/coverage"]["preview"].value.splitlines()[2]
    assert "| current |" in first_row and "| province | 01 |" in first_row
