"""Ingestion against the generator's injected faults: every fault in the manifest is caught, with the
rule the raw contract implies, and no clean row is quarantined. Runs the real Dagster graph."""

from __future__ import annotations

import csv

import duckdb
import pytest

from pipeline.generate import GenerateOptions, generate
from pipeline.settings import DataPaths

pytestmark = pytest.mark.slow

# What each injected kind must become: a quarantine rule, or acceptance after normalisation.
QUARANTINED_AS = {
    "unknown_commune_code": {"unknown_commune_code", "unknown_unit_code"},
    "missing_bhyt_object_code": {"missing_bhyt_object_code"},
    "invalid_bhyt_object_code": {"invalid_bhyt_object_code"},
    "impossible_birth_year": {"impossible_birth_year"},
    "negative_count": {"negative_count"},
    "target_above_100": {"target_out_of_range"},
    "zero_denominator": {"non_positive_denominator"},
    "duplicate_row": {"duplicate_person_scheme", "duplicate_row"},
}
ACCEPTED_AFTER_NORMALISATION = {
    "lost_leading_zeros",
    "nfd_text",
    "ddmmyyyy_date",
    "person_in_both_bhxh_bb_and_tn",
}
FILE_LEVEL = {"utf8_bom"}


@pytest.fixture(scope="module")
def defective_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("defects")
    paths = DataPaths(root / "data")
    options = GenerateOptions(
        scale=0.0002, from_month="2024-12", to_month="2025-08", rolls_from="2025-06", seed=7, defects=0.01
    )
    generate(paths, options, progress=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIPELINE_DATA_DIR", str(paths.root))
        patch.setenv("PIPELINE_PSEUDONYM_KEY", "test-only-pseudonym-key")
        import dagster as dg

        from pipeline.definitions import defs
        from pipeline.runner import month_range_tags

        job = defs.resolve_job_def("pipeline_job")
        with dg.DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(
                instance=instance, tags=month_range_tags(("2024-12", "2025-08")), raise_on_error=False
            )
    with (paths.raw / "defects_manifest.csv").open(encoding="utf-8") as handle:
        manifest = list(csv.DictReader(handle))
    return paths, result, manifest


def test_the_run_over_defective_data_succeeds_and_reconciles_every_file(defective_run):
    paths, result, manifest = defective_run
    assert result.success
    with duckdb.connect(str(paths.work_db), read_only=True) as connection:
        unbalanced = connection.execute(
            "select count(*) from staging.row_ledger where rows_read != accepted + quarantined"
        ).fetchone()
        files = connection.execute("select count(*) from staging.ingested_files").fetchone()
    assert unbalanced == (0,) and files[0] > 20
    assert {row["kind"] for row in manifest} >= set(
        QUARANTINED_AS
    ) | ACCEPTED_AFTER_NORMALISATION | FILE_LEVEL


def test_every_injected_fault_is_caught_and_nothing_else_is_quarantined(defective_run):
    paths, _, manifest = defective_run
    with duckdb.connect(str(paths.work_db), read_only=True) as connection:
        quarantined = {
            (file, row): rule
            for file, row, rule in connection.execute(
                "select source_file, source_row, rule from staging.quarantine"
            ).fetchall()
        }
        remapped = set(
            connection.execute(
                "select source_file, source_row from staging.rolls where code_remapped"
            ).fetchall()
        )
        both = set(
            connection.execute(
                "select source_file, source_row from staging.rolls where in_both_bhxh"
            ).fetchall()
        )
        read = {
            file
            for (file,) in connection.execute("select source_file from staging.ingested_files").fetchall()
        }

    expected_quarantine = {}
    for fault in manifest:
        key = (fault["file"], int(fault["row"])) if fault["row"] else None
        kind = fault["kind"]
        if kind in QUARANTINED_AS:
            assert quarantined.get(key) in QUARANTINED_AS[kind], fault
            expected_quarantine[key] = quarantined[key]
        elif kind == "pre_reform_code_in_post_reform_month":
            if fault["detail"] == "whole":
                assert key in remapped and key not in quarantined, fault
            else:
                assert quarantined.get(key) == "pre_reform_code_split", fault
                expected_quarantine[key] = quarantined[key]
        elif kind == "person_in_both_bhxh_bb_and_tn":
            assert key in both and key not in quarantined, fault
        elif kind in ACCEPTED_AFTER_NORMALISATION:
            assert key not in quarantined, fault
        else:
            assert kind in FILE_LEVEL and fault["file"] in read, fault
    # Clean rows all pass: the quarantine holds the injected faults and nothing else.
    assert set(quarantined) == set(expected_quarantine)
