"""The resident register (``--residents``): every roll participant is a resident of the same commune in
the same month, residents covered by nothing are there too, villages and households are plausible, and
the register changes nothing else the generator writes."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import polars as pl
import pytest

from pipeline.generate import GenerateOptions, generate
from pipeline.generate.residents import VILLAGE_NAMES
from pipeline.settings import DataPaths
from tests.generate.helpers import read_rolls

# Three roll months across the 2025-07 reform.
OPTIONS = GenerateOptions(
    scale=0.0005, from_month="2025-01", to_month="2025-08", rolls_from="2025-06", seed=5
)
MONTHS = ("2025-06", "2025-07", "2025-08")


@pytest.fixture(scope="module")
def raw_with_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("residents")
    generate(DataPaths(root), GenerateOptions(**{**OPTIONS.__dict__, "residents": True}), progress=False)
    return root / "raw"


@pytest.fixture(scope="module")
def residents(raw_with_register: Path) -> pl.DataFrame:
    return pl.concat(
        pl.read_parquet(raw_with_register / "residents" / month / "*.parquet").with_columns(
            month=pl.lit(month)
        )
        for month in MONTHS
    )


def test_every_roll_participant_is_a_resident_of_the_same_commune(raw_with_register, residents):
    rolls = read_rolls(raw_with_register).with_columns(
        month=pl.col("file").str.extract(r"rolls/(\d{4}-\d{2})/")
    )
    participants = rolls.select("month", "person_id", "commune_code").unique()
    matched = participants.join(residents, on=["month", "person_id"], how="left", suffix="_register")
    assert matched["commune_code_register"].null_count() == 0
    assert (matched["commune_code"] == matched["commune_code_register"]).all()
    # One row per person and month.
    assert residents.select("month", "person_id").is_duplicated().sum() == 0
    # And residents covered by nothing: in the register, in no roll row of the month.
    uncovered = residents.join(participants, on=["month", "person_id"], how="anti")
    assert uncovered.height > 0
    for month in MONTHS:
        assert set(participants.filter(pl.col("month") == month)["commune_code"]) <= set(
            residents.filter(pl.col("month") == month)["commune_code"]
        )


def test_the_register_is_about_the_population_denominator(raw_with_register, residents):
    population = pl.read_csv(raw_with_register / "population" / "population_2025.csv", infer_schema=False)
    national = population.filter(pl.col("unit_level") == "province")["population"].cast(pl.Int64).sum()
    per_month = residents.group_by("month").len()["len"]
    # People are simulated up to the peak BHYT count / 0.95 (registered cards can exceed the population).
    assert all(0.95 * national <= n <= 1.15 * national for n in per_month), (national, per_month.to_list())


def test_villages_households_and_personal_fields_are_plausible(residents):
    assert set(residents["village"].unique()) <= set(VILLAGE_NAMES)
    assert all(re.fullmatch(r"Thôn .+|Tổ dân phố \d+", v) for v in residents["village"].unique())
    assert all(unicodedata.is_normalized("NFC", name) for name in residents["full_name"].unique().head(500))
    # A household lives in one commune and village.
    homes = residents.group_by("month", "household_id").agg(
        pl.col("commune_code").n_unique(), pl.col("village").n_unique(), pl.len()
    )
    assert (homes["commune_code"] == 1).all() and (homes["village"] == 1).all()
    assert homes["len"].max() <= 4
    # Phones: 10 digits from 09, none for children under 15.
    age = 2025 - residents["birth_year"].cast(pl.Int32)
    assert residents.filter(age >= 15)["phone"].str.contains(r"^09\d{8}$").all()
    assert residents.filter(age < 15)["phone"].null_count() == (age < 15).sum()
    assert residents["address"].str.contains(r"^Số \d+, (Thôn|Tổ dân phố) ").all()
    assert residents["source"].str.starts_with("synthetic: ").all()


def test_the_register_changes_nothing_else(raw_with_register, tmp_path):
    generate(DataPaths(tmp_path), OPTIONS, progress=False)
    without = tmp_path / "raw"
    assert not (without / "residents").exists()
    assert read_rolls(without).equals(read_rolls(raw_with_register))
    for path in without.rglob("*.csv"):
        assert path.read_bytes() == (raw_with_register / path.relative_to(without)).read_bytes(), path
    manifest = json.loads((raw_with_register / "GENERATED.json").read_text(encoding="utf-8"))
    assert manifest["options"]["residents"] is True
    assert sorted(f.split("/")[1] for f in manifest["files"] if f.startswith("residents/")) == sorted(
        MONTHS * 63
    )
