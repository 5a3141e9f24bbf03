"""The gx_errors / gx_warnings checks on every staging asset, run through the real definitions on a tiny
data dir (raw contract), and invoked directly on a tampered warehouse for the ERROR path."""

from __future__ import annotations

import dataclasses
import json
import os

import dagster as dg
import duckdb
import pytest

from assets import quality as quality_checks
from pipeline.quality import suites
from pipeline.resources import WarehouseResource
from pipeline.settings import DataPaths
from tests.quality.raw_files import write_clean_sources

STAGING = ("rolls", "aggregates", "population", "labour_force", "targets", "plans")
GX_CHECKS = {f"staging/{name}:{check}" for name in STAGING for check in ("gx_errors", "gx_warnings")}


def gx_evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e
        for e in result.get_asset_check_evaluations()
        if e.check_name.startswith("gx_")
    }


def built_marts(result: dg.ExecuteInProcessResult) -> set[str]:
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    return {key for key in materialized if key.startswith("marts/")}


def metadata(evaluation: dg.AssetCheckEvaluation, key: str):
    return evaluation.metadata[key].value


def test_check_specs_block_on_errors_only():
    checks = [value for value in vars(quality_checks).values() if isinstance(value, dg.AssetChecksDefinition)]
    specs = {f"{s.asset_key.to_user_string()}:{s.name}": s for c in checks for s in c.check_specs}
    specs = {name: spec for name, spec in specs.items() if spec.name.startswith("gx_")}
    assert set(specs) == GX_CHECKS
    for name, spec in specs.items():
        assert spec.blocking is name.endswith(":gx_errors")
        assert spec.description and "docs/data-quality.md" in spec.description


@pytest.mark.slow
def test_clean_sources_pass_every_gx_check_with_their_results(data_dir: DataPaths, run_graph):
    write_clean_sources(data_dir.raw)
    result = run_graph(months=("2025-08", "2025-08"))
    assert result.success
    assert built_marts(result)
    evaluations = gx_evaluations(result)
    assert set(evaluations) == GX_CHECKS
    for name, evaluation in evaluations.items():
        assert evaluation.passed, (name, evaluation.description)
        expected = dg.AssetCheckSeverity.ERROR if name.endswith("gx_errors") else dg.AssetCheckSeverity.WARN
        assert evaluation.severity == expected
        assert metadata(evaluation, "failed") == 0
        assert metadata(evaluation, "evaluated") > 0
        assert all(rows > 0 for rows in metadata(evaluation, "rows_validated").values()), name
        assert "| expectation |" in metadata(evaluation, "expectations")
        results = metadata(evaluation, "results")
        assert len(results) == metadata(evaluation, "evaluated")
        assert all(r["success"] for r in results)

    rolls = evaluations["staging/rolls:gx_errors"]
    assert metadata(rolls, "param_first_period") == "2025-08-31"
    assert metadata(rolls, "rows_validated") == {"rolls_by_commune": 6, "rolls_sample": 14}
    # Expectations with a condition saw the rows they were meant for (not a vacuous pass).
    checked = {
        r["expectation"]: r["element_count"] - (r["missing_count"] or 0) for r in metadata(rolls, "results")
    }
    assert checked["bhyt_object_code_present"] == 8
    assert checked["in_both_bhxh_only_on_bhxh"] == 10
    population = evaluations["staging/population:gx_warnings"]
    shares = next(
        r for r in metadata(population, "results") if r["expectation"] == "labour_force_share_plausible"
    )
    assert shares["element_count"] - shares["missing_count"] == 4


@pytest.mark.slow
def test_a_warning_is_reported_and_the_run_still_succeeds(data_dir: DataPaths, run_graph):
    # Ba Đình's population given in thousands (65 for 65,000): valid for the row rules, absurd next to its
    # labour force of 30,000.
    write_clean_sources(data_dir.raw, population_of_00004=65)
    result = run_graph(months=("2025-08", "2025-08"))
    assert result.success
    evaluations = gx_evaluations(result)
    failed = {name for name, e in evaluations.items() if not e.passed}
    assert failed == {"staging/population:gx_warnings", "staging/labour_force:gx_warnings"}
    assert built_marts(result)  # a warning never blocks
    warning = evaluations["staging/population:gx_warnings"]
    assert warning.severity == dg.AssetCheckSeverity.WARN
    assert set(metadata(warning, "failed_expectations")) == {
        "labour_force_share_plausible",
        "population_in_line_with_its_level",
    }
    share = next(
        r for r in metadata(warning, "results") if r["expectation"] == "labour_force_share_plausible"
    )
    assert share["failing_samples"] == [
        {"labour_force_share": pytest.approx(30_000 / 65), "unit": "commune:00004", "year": 2025}
    ]
    assert "commune:00004" in metadata(warning, "expectations")


@pytest.mark.slow
def test_no_data_yet_passes_with_nothing_to_validate(data_dir: DataPaths, run_graph):
    result = run_graph(months=("2025-08", "2025-08"))
    assert result.success
    evaluations = gx_evaluations(result)
    assert set(evaluations) == GX_CHECKS
    for evaluation in evaluations.values():
        assert evaluation.passed
        assert "nothing_to_validate" in evaluation.metadata


@pytest.mark.slow
def test_an_error_found_after_staging_fails_gx_errors_without_exposing_person_keys(
    data_dir: DataPaths, run_graph
):
    """Row rules stop bad rows at ingestion, so the ERROR path is exercised by changing staged data
    afterwards (as a bug upstream, or a reference rebuilt under it, would) and running the checks."""
    write_clean_sources(data_dir.raw)
    assert run_graph(months=("2025-08", "2025-08")).success
    with duckdb.connect(str(data_dir.work_db)) as connection:
        connection.execute("update staging.targets set target_pct = 150 where indicator = 'bhyt'")
        # Roll months are Parquet partitions, not a table: the month's file is rewritten instead.
        month = data_dir.rolls_store / "period=2025-08-31" / "part.parquet"
        connection.execute(
            "copy (select * replace (case when scheme = 'BHTN' then 1850 else birth_year end as birth_year) "
            "from read_parquet($month)) to $rewritten (format parquet)",
            {"month": str(month), "rewritten": str(month.with_suffix(".new"))},
        )
        os.replace(month.with_suffix(".new"), month)
        keys = [str(k) for (k,) in connection.execute("select person_key from staging.rolls").fetchall()]
    # Only the two checks run (their assets are not re-materialised), as from the UI's "Execute check".
    checks = [quality_checks.targets_checks, quality_checks.rolls_checks]
    result = dg.materialize(
        checks,
        selection=dg.AssetSelection.checks(
            dg.AssetCheckKey(dg.AssetKey(["staging", "targets"]), "gx_errors"),
            dg.AssetCheckKey(dg.AssetKey(["staging", "rolls"]), "gx_errors"),
        ),
        resources={"warehouse": WarehouseResource()},
        raise_on_error=False,
    )
    evaluations = gx_evaluations(result)
    assert set(evaluations) == {"staging/targets:gx_errors", "staging/rolls:gx_errors"}
    targets, rolls = evaluations["staging/targets:gx_errors"], evaluations["staging/rolls:gx_errors"]

    assert not targets.passed
    assert targets.severity == dg.AssetCheckSeverity.ERROR
    assert metadata(targets, "failed_expectations") == ["target_pct_between_0_and_100"]

    assert not rolls.passed
    assert metadata(rolls, "failed_expectations") == ["birth_year_from_1900"]
    assert metadata(rolls, "param_first_period") == "latest in staging"  # no partition in this run
    shown = json.dumps({k: str(v.value) for k, v in rolls.metadata.items()})
    assert "1850" in shown
    assert not any(key in shown for key in keys)


@pytest.mark.slow
def test_a_failing_gx_errors_check_stops_the_marts(
    data_dir: DataPaths, run_graph, monkeypatch: pytest.MonkeyPatch
):
    """The blocking wiring itself: plant a failing ERROR expectation in the targets suite (the data stays
    clean) and the marts, downstream of staging/targets, are not built in that run."""
    strict = suites.Rule(
        "planted_failure",
        "targets",
        "ExpectColumnValuesToBeBetween",
        {"column": "target_pct", "max_value": 1},
        "",
    )
    real_suite = suites.QualitySource.suite

    def suite(self: suites.QualitySource, severity: suites.Severity) -> suites.Suite:
        chosen = real_suite(self, severity)
        if self.name == "targets" and severity == "ERROR":
            return dataclasses.replace(chosen, rules=(*chosen.rules, strict))
        return chosen

    monkeypatch.setattr(suites.QualitySource, "suite", suite)
    write_clean_sources(data_dir.raw)
    result = run_graph(months=("2025-08", "2025-08"))
    assert not result.success
    evaluation = gx_evaluations(result)["staging/targets:gx_errors"]
    assert not evaluation.passed
    assert metadata(evaluation, "failed_expectations") == ["planted_failure"]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "staging/targets" in materialized
    assert not built_marts(result)
    assert "published_warehouse" not in materialized
