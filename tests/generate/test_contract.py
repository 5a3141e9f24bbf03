"""Every generated file follows the raw contract (docs/contracts/raw-data.md), labelled synthetic."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipeline import reference
from pipeline.generate.defects import VALID_OBJECT_CODES
from pipeline.settings import PRE_REFORM_VINTAGE, REFORM_VINTAGE
from tests.generate.helpers import read_source, read_table, roll_files, snapshot_date

SCHEMES = {"BHXH_BB", "BHXH_TN", "BHTN", "BHYT"}
LEVELS = {"nation", "province", "district", "commune"}
WIDTH = {"province": 2, "district": 3, "commune": 5}
REQUIRED = {
    "aggregates": ["as_of", "unit_level", "unit_code", "scheme", "participants"],
    "population": ["year", "unit_level", "unit_code", "population"],
    "labour_force": ["year", "unit_level", "unit_code", "labour_force"],
    "targets": ["year", "unit_level", "unit_code", "indicator", "target_pct"],
    "plans": ["year", "unit_level", "unit_code", "scheme", "planned_new"],
}
ROLL_COLUMNS = [
    "person_id",
    "scheme",
    "commune_code",
    "sex",
    "birth_year",
    "bhyt_object_code",
    "bhyt_card_no",
    "valid_from",
    "valid_to",
]


@pytest.fixture(scope="module")
def units() -> pl.DataFrame:
    return reference.build_admin_units(reference.all_vintages(Path("/nonexistent")))


def codes_of(units: pl.DataFrame, vintage: date, level: str) -> set[str]:
    return set(units.filter((pl.col("vintage") == vintage) & (pl.col("level") == level))["code"])


def vintage_on(day: date) -> date:
    return REFORM_VINTAGE if day >= REFORM_VINTAGE else PRE_REFORM_VINTAGE


def test_layout_and_generated_manifest(clean_raw: Path):
    assert {p.name for p in clean_raw.iterdir()} == {
        "rolls",
        "aggregates",
        "population",
        "labour_force",
        "targets",
        "plans",
        "GENERATED.json",
    }
    manifest = json.loads((clean_raw / "GENERATED.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True and manifest["seed"] == 11 and manifest["version"]
    assert manifest["options"]["to_month"] == "2026-01" and manifest["options"]["rolls_from"] == "2025-04"
    files = {str(p.relative_to(clean_raw)) for p in clean_raw.rglob("*") if p.is_file()} - {"GENERATED.json"}
    assert set(manifest["files"]) == files
    assert [p.name for p in sorted((clean_raw / "rolls").iterdir())] == [
        "2025-04",
        "2025-05",
        "2025-06",
        "2025-07",
        "2025-08",
        "2025-09",
        "2025-10",
        "2025-11",
        "2025-12",
        "2026-01",
    ]
    for path in roll_files(clean_raw):  # row counts in the manifest are the files' own
        assert manifest["files"][str(path.relative_to(clean_raw))] == read_table(path).height


def test_rolls_follow_the_contract(clean_raw: Path, units: pl.DataFrame):
    old, new = codes_of(units, PRE_REFORM_VINTAGE, "commune"), codes_of(units, REFORM_VINTAGE, "commune")
    new_provinces = codes_of(units, REFORM_VINTAGE, "province")
    old_provinces = codes_of(units, PRE_REFORM_VINTAGE, "province")
    for path in roll_files(clean_raw):
        assert path.suffix == ".parquet"
        frame = read_table(path)
        assert frame.columns[: len(ROLL_COLUMNS)] == ROLL_COLUMNS
        assert "full_name" in frame.columns  # personal data that ingestion must drop
        assert frame["source"].str.starts_with("synthetic").all()
        assert frame.schema["person_id"] == pl.String and frame.schema["commune_code"] == pl.String
        assert frame.schema["valid_from"] == pl.Date and frame.schema["valid_to"] == pl.Date
        assert frame["person_id"].str.contains(r"^\d{10}$").all()
        assert set(frame["scheme"]) <= SCHEMES and set(frame["sex"]) <= {"M", "F"}
        day = snapshot_date(path)
        assert set(frame["commune_code"]) <= (new if day >= REFORM_VINTAGE else old)
        assert frame["valid_from"].is_not_null().all()
        assert (frame["valid_from"] <= day).all()
        assert frame.filter(pl.col("valid_to") < pl.col("valid_from")).height == 0
        bhyt = frame.filter(pl.col("scheme") == "BHYT")
        others = frame.filter(pl.col("scheme") != "BHYT")
        assert set(bhyt["bhyt_object_code"]) <= VALID_OBJECT_CODES
        assert others["bhyt_object_code"].is_null().all() and others["bhyt_card_no"].is_null().all()
        card = bhyt["bhyt_card_no"]
        assert card.str.len_chars().eq(15).all()
        assert (card.str.slice(0, 2) == bhyt["bhyt_object_code"]).all()
        assert (card.str.slice(5) == bhyt["person_id"]).all()
        assert card.str.slice(2, 1).is_in(list("12345")).all()
        assert set(card.str.slice(3, 2)) <= (new_provinces if day >= REFORM_VINTAGE else old_provinces)
        assert frame.select("person_id", "scheme").is_unique().all()  # one row per person and scheme


@pytest.mark.parametrize("source", list(REQUIRED))
def test_yearly_sources_follow_the_contract(clean_raw: Path, units: pl.DataFrame, source: str):
    for path in sorted((clean_raw / source).glob("*.csv")):
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
        frame = read_table(path)
        assert set(REQUIRED[source]) <= set(frame.columns)
        assert frame["source"].str.starts_with("synthetic").all()
        assert set(frame["unit_level"]) <= LEVELS
        if source == "aggregates":
            vintage = vintage_on(date.fromisoformat(frame["as_of"][0]))
        else:  # the units of December; the reform year also those of January, named in the file
            year = int(frame["year"][0])
            vintage = vintage_on(date(year, 12, 31))
            if path.stem.endswith(PRE_REFORM_VINTAGE.isoformat()):
                vintage = vintage_on(date(year, 1, 1))
                assert vintage != vintage_on(date(year, 12, 31))
        assert (frame["vintage"] == vintage.isoformat()).all()
        for level, group in frame.group_by("unit_level"):
            level = level[0]
            if level == "nation":
                assert (group["unit_code"] == "VN").all()
                continue
            assert group["unit_code"].str.len_chars().eq(WIDTH[level]).all()
            assert set(group["unit_code"]) <= codes_of(units, vintage, level), (path, level)
        if source == "aggregates":
            assert frame["as_of"].str.contains(r"^\d{4}-12-31$").all()
            assert set(frame["scheme"]) <= SCHEMES and frame["participants"].cast(pl.Int64).min() >= 0
        if source in ("population", "labour_force"):
            assert frame[source].cast(pl.Int64).min() > 0
        if source == "targets":
            pct = frame["target_pct"].cast(pl.Float64)
            assert pct.min() >= 0 and pct.max() <= 100
            assert set(frame["indicator"]) == {"bhxh", "bhxh_bb", "bhxh_tn", "bhtn", "bhyt"}
            assert frame["due_date"].str.contains(r"^\d{4}-\d{2}-\d{2}$").all()
        if source == "plans":
            assert frame["planned_new"].cast(pl.Int64).min() >= 0 and set(frame["scheme"]) <= SCHEMES
            assert set(frame["bhyt_object_code"].drop_nulls()) <= {"GD"}


def test_denominators_and_targets_cover_every_unit_and_year(clean_raw: Path, units: pl.DataFrame):
    for source in ("population", "labour_force"):
        frame = read_source(clean_raw, source)
        assert sorted(set(frame["year"].cast(int))) == list(range(2018, 2027))
        assert frame.select("year", "vintage").unique().height == 9 + 1  # 2025 on both vintages
        for (year, vintage), group in frame.group_by("year", "vintage"):
            vintage = date.fromisoformat(vintage)
            assert vintage in (vintage_on(date(int(year), 1, 1)), vintage_on(date(int(year), 12, 31)))
            assert set(group.filter(pl.col("unit_level") == "commune")["unit_code"]) == codes_of(
                units, vintage, "commune"
            )
            assert set(group.filter(pl.col("unit_level") == "province")["unit_code"]) == codes_of(
                units, vintage, "province"
            )
    targets = read_source(clean_raw, "targets")
    national = targets.filter(pl.col("unit_level") == "nation")
    assert national.height == (9 + 1) * 5  # 2025 on both vintages
    national = national.filter(pl.col("vintage") == REFORM_VINTAGE.isoformat())
    # Resolution 28 and Decision 546
    row = national.filter(pl.col("year") == "2025").select("indicator", "target_pct").rows()
    assert dict(row)["bhxh"] == "45.0" and dict(row)["bhyt"] == "95.15" and dict(row)["bhtn"] == "35.0"


def test_the_reform_year_is_written_on_the_old_units_too(clean_raw: Path, units: pl.DataFrame):
    """Offices reported January–June 2025 on the old units against figures assigned in January: 2025's
    denominators, targets and plans exist on both vintages, with the same national totals."""
    old, new = PRE_REFORM_VINTAGE.isoformat(), REFORM_VINTAGE.isoformat()
    for source, column in (
        ("population", "population"),
        ("labour_force", "labour_force"),
        ("plans", "planned_new"),
    ):
        frame = read_source(clean_raw, source).filter(pl.col("year") == "2025")
        assert set(frame["vintage"]) == {old, new}
        on_old = frame.filter(pl.col("vintage") == old)
        assert set(on_old.filter(pl.col("unit_level") == "province")["unit_code"]) == codes_of(
            units, PRE_REFORM_VINTAGE, "province"
        )
        if source != "plans":  # plans go down to communes only where assigned (voluntary BHXH, GD)
            assert on_old.filter(pl.col("unit_level") == "commune").height == 10035
        totals = (
            frame.filter(pl.col("unit_level") == "province")
            .group_by("vintage", *(["scheme", "bhyt_object_code"] if source == "plans" else []))
            .agg(pl.col(column).cast(pl.Int64).sum())
        )
        by_vintage = totals.partition_by("vintage", as_dict=True)
        key = ["scheme", "bhyt_object_code"] if source == "plans" else []
        assert (
            by_vintage[(old,)]
            .drop("vintage")
            .sort(key or column)
            .equals(by_vintage[(new,)].drop("vintage").sort(key or column))
        ), source
    targets = read_source(clean_raw, "targets").filter(pl.col("year") == "2025")
    on_old = targets.filter(pl.col("vintage") == old)
    assert on_old.filter(pl.col("unit_level") == "province")["unit_code"].n_unique() == 63
    assert on_old.filter(pl.col("unit_level") == "commune")["unit_code"].n_unique() == 10035
    nation = targets.filter(pl.col("unit_level") == "nation").pivot(
        "vintage", index="indicator", values="target_pct"
    )
    assert (nation[old] == nation[new]).all()  # one national path
    # Other years stay on one vintage.
    assert read_source(clean_raw, "targets").filter(pl.col("year") != "2025")["vintage"].n_unique() == 2
    assert all(
        set(read_source(clean_raw, "targets").filter(pl.col("year") == str(year))["vintage"]) == {vintage}
        for year, vintage in ((2024, old), (2026, new))
    )
