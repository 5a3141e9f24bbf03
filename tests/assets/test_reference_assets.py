"""The reference assets, their blocking checks and publication, run through the real definitions."""

from __future__ import annotations

import dagster as dg
import duckdb

from pipeline.settings import DataPaths


def check_outcomes(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.passed
        for e in result.get_asset_check_evaluations()
    }


def test_reference_tables_are_built_checked_and_published(data_dir: DataPaths, run_graph):
    result = run_graph()
    assert result.success
    outcomes = check_outcomes(result)
    assert all(outcomes.values())
    assert {name for name in outcomes if name.startswith("ref/")} == {
        "ref/admin_units:unit_counts_per_level_and_vintage",
        "ref/admin_units:every_parent_exists_in_its_vintage",
        "ref/admin_units:names_are_nfc",
        "ref/admin_units:one_row_per_unit_and_known_levels",
        "ref/admin_crosswalk:every_unit_maps_to_every_later_vintage",
        "ref/admin_crosswalk:weights_of_each_source_sum_to_one",
        "ref/admin_crosswalk:one_row_per_link_and_weights_within_0_1",
    }
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as connection:
        levels = connection.execute(
            "select vintage::varchar, level, count(*) from ref.admin_units group by all order by all"
        ).fetchall()
        comment = connection.execute(
            "select comment from duckdb_columns() "
            "where table_name = 'admin_crosswalk' and column_name = 'weight'"
        ).fetchone()[0]
    assert levels == [
        ("2000-01-01", "commune", 10035),
        ("2000-01-01", "district", 696),
        ("2000-01-01", "nation", 1),
        ("2000-01-01", "province", 63),
        ("2025-07-01", "commune", 3321),
        ("2025-07-01", "nation", 1),
        ("2025-07-01", "province", 34),
    ]
    assert "weights of one source" in comment.lower() or "share of the source" in comment.lower()


def test_a_failing_blocking_check_stops_publication(data_dir: DataPaths, run_graph):
    assert run_graph().success
    published = data_dir.warehouse.read_bytes()
    # Valid rows, but the split commune's weights sum to 0.5: the weights check must block.
    reference_dir = data_dir.raw_reference
    reference_dir.mkdir(parents=True)
    (reference_dir / "crosswalk_2000-01-01_2025-07-01.csv").write_text(
        "from_code,to_code,weight\n00004,00004,0.5\n", encoding="utf-8"
    )
    result = run_graph()
    assert not result.success
    assert check_outcomes(result)["ref/admin_crosswalk:weights_of_each_source_sum_to_one"] is False
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "published_warehouse" not in materialized
    assert data_dir.warehouse.read_bytes() == published


def test_a_bad_reference_file_fails_the_run_naming_the_file(data_dir: DataPaths, run_graph):
    reference_dir = data_dir.raw_reference
    reference_dir.mkdir(parents=True)
    (reference_dir / "admin_units_2026-04-30.csv").write_text(
        "level,code,name,parent_code\nprovince,01,Hà Nội,VN\nhamlet,0001,X,01\n", encoding="utf-8"
    )
    result = run_graph()
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    text = str(failure.step_failure_data.error.cause or failure.step_failure_data.error)
    assert "admin_units_2026-04-30.csv, row 2, column 'level': unknown level 'hamlet'" in text
    assert not data_dir.warehouse.exists()
