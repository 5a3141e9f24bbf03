"""The GX suites on small frames: clean frames pass, a planted fault fails the suite naming the
expectation. One GX context serves the whole session (pipeline.quality.runner caches it)."""

from __future__ import annotations

import json
from collections.abc import Callable

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from assets.quality import check_result
from pipeline.quality import runner, suites
from pipeline.settings import PROJECT_ROOT
from pipeline.warehouse import ADMIN_CROSSWALK, ADMIN_UNITS, BHYT_OBJECT_CODES, run_sql
from tests.conftest import run_python
from tests.quality import frames

SOURCES = {source.name: source for source in suites.SOURCES}
REFERENCE = {"bhyt_object_codes": frames.OBJECT_CODES}

Fault = Callable[[dict[str, pd.DataFrame]], None]


def run(source: str, severity: suites.Severity, fault: Fault | None = None) -> runner.SuiteOutcome:
    data = frames.clean(source)
    if fault:
        fault(data)
    qs = SOURCES[source]
    index = {frame.name: frame.index for frame in qs.frames}
    return runner.validate(qs.suite(severity), data, REFERENCE, index)


def setter(frame: str, row: int, **values: object) -> Fault:
    def fault(data: dict[str, pd.DataFrame]) -> None:
        for column, value in values.items():
            data[frame].loc[row, column] = value

    return fault


def duplicate(frame: str) -> Fault:
    def fault(data: dict[str, pd.DataFrame]) -> None:
        data[frame] = pd.concat([data[frame], data[frame].iloc[[0]]], ignore_index=True)

    return fault


@pytest.mark.parametrize("source", list(SOURCES))
@pytest.mark.parametrize("severity", ["ERROR", "WARN"])
def test_clean_frames_pass_every_suite(source: str, severity: suites.Severity):
    outcome = run(source, severity)
    assert outcome.failed == []
    assert not outcome.skipped
    assert len(outcome.outcomes) == len(SOURCES[source].suite(severity).rules)


ERROR_FAULTS: list[tuple[str, str, Fault]] = [
    ("rolls", "scheme_in_roll_schemes", setter("rolls_by_commune", 0, scheme="BHXH")),
    ("rolls", "commune_code_is_5_digits", setter("rolls_by_commune", 0, commune_code="4")),
    ("rolls", "commune_exists_in_vintage", setter("rolls_by_commune", 1, commune_in_vintage=False)),
    (
        "rolls",
        "vintage_is_the_one_in_force",
        setter("rolls_by_commune", 2, vintage=pd.Timestamp("2000-01-01")),
    ),
    ("rolls", "period_is_month_end", setter("rolls_by_commune", 0, period=pd.Timestamp("2025-08-15"))),
    ("rolls", "bhyt_object_code_in_reference", setter("rolls_sample", 0, bhyt_object_code="ZZ")),
    ("rolls", "bhyt_object_code_present", setter("rolls_sample", 0, bhyt_object_code=None)),
    ("rolls", "bhyt_object_code_only_on_bhyt", setter("rolls_sample", 5, bhyt_object_code="GD")),
    ("rolls", "birth_year_from_1900", setter("rolls_sample", 0, birth_year=1899, age=126)),
    ("rolls", "birth_year_not_after_period", setter("rolls_sample", 0, birth_year=2030, age=-5)),
    ("rolls", "sex_is_m_or_f", setter("rolls_sample", 0, sex="X")),
    (
        "rolls",
        "valid_from_not_after_valid_to",
        setter("rolls_sample", 0, valid_from=pd.Timestamp("2025-12-31"), valid_to=pd.Timestamp("2025-01-01")),
    ),
    ("rolls", "is_active_matches_validity", setter("rolls_sample", 2, is_active=True)),
    ("rolls", "in_both_bhxh_only_on_bhxh", setter("rolls_sample", 0, in_both_bhxh=True)),
    ("aggregates", "participants_non_negative", setter("aggregates", 0, participants=-5)),
    ("aggregates", "scheme_in_aggregate_schemes", setter("aggregates", 0, scheme="BHXH_ALL")),
    ("aggregates", "one_count_per_unit_date_scheme", duplicate("aggregates")),
    ("population", "one_figure_per_unit_and_year", duplicate("denominators")),
    ("labour_force", "one_figure_per_unit_and_year", duplicate("denominators")),
    ("targets", "target_pct_between_0_and_100", setter("targets", 3, target_pct=150.0)),
    ("targets", "indicator_known", setter("targets", 0, indicator="bhxh_total")),
    ("targets", "one_target_per_unit_year_indicator", duplicate("targets")),
    ("plans", "planned_new_non_negative", setter("plans", 0, planned_new=-1)),
    ("plans", "scheme_in_roll_schemes", setter("plans", 1, scheme="BHXH")),
    ("plans", "bhyt_object_code_in_reference", setter("plans", 0, bhyt_object_code="ZZ")),
    ("plans", "bhyt_object_code_only_on_bhyt", setter("plans", 1, bhyt_object_code="GD")),
    ("plans", "one_plan_per_unit_year_scheme_code", duplicate("plans")),
]
# The unit rules every unit-level source shares.
for _source, _frame in [
    ("aggregates", "aggregates"),
    ("population", "denominators"),
    ("labour_force", "denominators"),
    ("targets", "targets"),
    ("plans", "plans"),
]:
    ERROR_FAULTS += [
        (_source, "unit_level_known", setter(_frame, 0, unit_level="hamlet", unit="hamlet:01")),
        (_source, "unit_code_width_matches_level", setter(_frame, 0, unit="province:1")),
        (_source, "unit_exists_in_vintage", setter(_frame, 0, unit_in_vintage=False)),
    ]


@pytest.mark.parametrize(
    ("source", "expectation", "fault"), ERROR_FAULTS, ids=[f"{f[0]}-{f[1]}" for f in ERROR_FAULTS]
)
def test_a_planted_fault_fails_the_error_suite_naming_the_expectation(source, expectation, fault):
    outcome = run(source, "ERROR", fault)
    assert not outcome.success
    assert expectation in outcome.failed
    failing = next(o for o in outcome.outcomes if o.rule.name == expectation)
    assert failing.error is None, failing.error  # a real failure, not a broken expectation
    assert failing.unexpected_count and failing.failing_samples


WARN_FAULTS: list[tuple[str, str, Fault]] = [
    ("rolls", "bhyt_rows_mostly_active", setter("rolls_by_commune", 0, active_share=0.2)),
    ("rolls", "few_people_in_both_bhxh", setter("rolls_by_commune", 1, in_both_bhxh_share=0.5)),
    ("rolls", "few_codes_remapped", setter("rolls_by_commune", 4, code_remapped_share=0.5)),
    (
        "rolls",
        "bhyt_participants_within_population",
        setter("rolls_by_commune", 0, participants_per_population=1.5),
    ),
    ("rolls", "bhxh_bhtn_working_age", setter("rolls_sample", 5, birth_year=1940, age=85)),
    ("rolls", "te_cards_under_6", setter("rolls_sample", 1, birth_year=2015, age=10)),
    ("rolls", "birth_year_mostly_given", setter("rolls_sample", 0, birth_year=None, age=None)),
    ("rolls", "sex_balance_plausible", setter("rolls_sample", slice(None), sex="F", female=1.0)),
    ("aggregates", "change_on_year_before_plausible", setter("aggregates", 1, change_on_year_before=3.0)),
    (
        "aggregates",
        "participants_within_denominator",
        setter("aggregates", 1, participants_per_denominator=1.5),
    ),
    ("aggregates", "as_of_is_month_end", setter("aggregates", 1, as_of=pd.Timestamp("2025-08-15"))),
    ("population", "labour_force_share_plausible", setter("denominators", 2, labour_force_share=461.5)),
    ("population", "change_on_year_before_plausible", setter("denominators", 1, change_on_year_before=1.5)),
    (
        "population",
        "population_in_line_with_its_level",
        setter("denominators", 2, ratio_to_level_median=0.0011),
    ),
    ("labour_force", "labour_force_share_plausible", setter("denominators", 2, labour_force_share=0.05)),
    ("labour_force", "change_on_year_before_plausible", setter("denominators", 0, change_on_year_before=0.5)),
    (
        "labour_force",
        "labour_force_in_line_with_its_level",
        setter("denominators", 3, ratio_to_level_median=800.0),
    ),
    ("targets", "target_is_a_percentage_not_a_fraction", setter("targets", 3, target_pct=0.95)),
    ("targets", "bhyt_target_plausible", setter("targets", 3, target_pct=60.0)),
    ("targets", "bhxh_components_add_up", setter("targets", 0, bhxh_components_gap=5.0)),
    ("targets", "due_within_target_year", setter("targets", 0, due_year=2026)),
    ("plans", "plan_within_population", setter("plans", 0, planned_per_population=0.6)),
]


@pytest.mark.parametrize(
    ("source", "expectation", "fault"), WARN_FAULTS, ids=[f"{f[0]}-{f[1]}" for f in WARN_FAULTS]
)
def test_a_suspicious_value_fails_the_warn_suite_but_not_the_error_suite(source, expectation, fault):
    assert expectation in run(source, "WARN", fault).failed
    assert run(source, "ERROR", fault).success


def test_every_expectation_has_a_planted_fault():
    planted = {(s, name) for s, name, _ in ERROR_FAULTS + WARN_FAULTS}
    defined = {
        (s.name, r.name) for s in suites.SOURCES for suite in (s.errors, s.warnings) for r in suite.rules
    }
    assert defined - planted == set()


def test_a_failed_suite_becomes_a_check_result_with_each_expectation_and_no_identifier():
    outcome = run("rolls", "ERROR", setter("rolls_sample", 0, birth_year=1899, age=126))
    result = check_result(outcome, suites.ROLLS, {"first_period": None})
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert "birth_year_from_1900" in result.description
    metadata = result.metadata
    assert metadata["failed_expectations"].value == ["birth_year_from_1900"]
    assert metadata["evaluated"].value == len(suites.ROLLS.errors.rules)
    table = metadata["expectations"].value
    assert all(f"| {rule.name} |" in table for rule in suites.ROLLS.errors.rules)
    results = {r["expectation"]: r for r in metadata["results"].value}
    failing = results["birth_year_from_1900"]
    assert failing["unexpected_count"] == 1
    assert failing["failing_samples"] == [{"birth_year": 1899, "commune_code": "00004", "scheme": "BHYT"}]
    assert results["sex_is_m_or_f"]["success"] is True
    json.dumps(metadata["results"].value)  # plain values only
    assert "person_key" not in json.dumps(metadata["results"].value)

    warn = check_result(run("targets", "WARN", setter("targets", 3, target_pct=0.95)), suites.TARGETS)
    assert not warn.passed and warn.severity == dg.AssetCheckSeverity.WARN


def test_an_empty_frame_is_skipped_not_failed():
    data = frames.clean("rolls")
    data["rolls_sample"] = data["rolls_sample"].iloc[0:0]
    outcome = runner.validate(suites.ROLLS.errors, data, REFERENCE)
    assert outcome.success
    assert set(outcome.skipped) == {r.name for r in suites.ROLLS.errors.rules if r.frame == "rolls_sample"}


def test_a_missing_column_is_reported_as_an_error_not_a_pass():
    data = frames.clean("targets")
    data["targets"] = data["targets"].drop(columns="unit_in_vintage")
    outcome = run_with("targets", "ERROR", data)
    broken = next(o for o in outcome.outcomes if o.rule.name == "unit_exists_in_vintage")
    assert not broken.success and broken.error


def run_with(source: str, severity: suites.Severity, data: dict[str, pd.DataFrame]) -> runner.SuiteOutcome:
    return runner.validate(SOURCES[source].suite(severity), data, REFERENCE)


def test_plain_values_for_metadata():
    assert runner._plain(np.int16(3)) == 3
    assert runner._plain(float("nan")) is None
    assert runner._plain(pd.NA) is None
    assert runner._plain(pd.NaT) is None
    assert runner._plain(pd.Timestamp("2025-08-31")) == "2025-08-31"
    assert runner._plain(np.datetime64("2025-08-31T00:00:00")) == "2025-08-31"
    assert runner._plain((np.int16(2025), np.int16(2030))) == [2025, 2030]


@pytest.fixture(scope="module")
def empty_warehouse():
    """Empty reference and staging tables: enough to read the quality queries' columns."""
    with duckdb.connect() as connection:
        for table in (ADMIN_UNITS, ADMIN_CROSSWALK, BHYT_OBJECT_CODES):
            run_sql(connection, table.ddl)
        run_sql(connection, "staging/create_staging_tables.sql")
        yield connection


@pytest.mark.parametrize("source", list(SOURCES))
def test_the_test_frames_have_the_columns_of_the_quality_queries(empty_warehouse, source):
    qs = SOURCES[source]
    params = {"first_period": None, "last_period": None}
    queried = runner.load_frames(empty_warehouse, qs, [frame.name for frame in qs.frames], params)
    clean = frames.clean(source)
    for name, frame in queried.items():
        assert sorted(frame.columns) == sorted(clean[name].columns), name
        # No person key and no pointer to a raw row ever reach GX or the check metadata.
        assert not {"person_key", "person_id", "source_row", "source_file"} & set(frame.columns)
    used = set()
    for rule in (*qs.errors.rules, *qs.warnings.rules):
        used.update(rule.column.split(", "))
        if "row_condition" in rule.kwargs:
            used.add(rule.kwargs["row_condition"].column)
    assert used <= {column for frame in queried.values() for column in frame.columns}


def test_great_expectations_is_not_imported_when_the_code_location_loads():
    code = (
        "import sys, assets.quality, pipeline.quality.runner, pipeline.quality.suites; "
        "sys.exit('great_expectations' in sys.modules)"
    )
    completed = run_python(code)
    assert completed.returncode == 0, completed.stderr


def test_the_docs_list_every_expectation():
    doc = (PROJECT_ROOT / "docs" / "data-quality.md").read_text(encoding="utf-8")
    for line in suites.expectations_markdown().splitlines():
        assert line in doc, line


def test_great_expectations_imported_meanwhile_is_the_context_the_checks_use():
    """Ingestion imports GX on a thread while DuckDB judges a month; a check asking at the same time
    waits for that one context instead of building a second, and the block ends with GX imported."""
    code = (
        "import sys; from pipeline.quality import runner\n"
        "with runner.great_expectations_imported_meanwhile():\n"
        "    first = runner._batch_definition()\n"
        "assert runner._build_batch_definition.cache_info().misses == 1\n"
        "assert runner._batch_definition() is first\n"
        "sys.exit('great_expectations' not in sys.modules)"
    )
    completed = run_python(code)
    assert completed.returncode == 0, completed.stderr
