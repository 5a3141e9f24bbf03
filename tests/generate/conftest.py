"""Generated data sets shared by the generator's tests (each generated once per test session)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline.generate import GenerateOptions, generate
from pipeline.settings import DataPaths
from tests.generate.helpers import read_rolls

# 10 roll months across the 2025-07 reform (Dec 2025 among them), aggregates for 2018-2024.
CLEAN = GenerateOptions(scale=0.001, from_month="2018-01", to_month="2026-01", rolls_from="2025-04", seed=11)
# Small, with faults: rolls on both sides of the reform, every source present.
DEFECTS = GenerateOptions(
    scale=0.0003, from_month="2024-06", to_month="2025-08", rolls_from="2025-06", seed=12, defects=0.003
)


def _generate(root: Path, options: GenerateOptions) -> Path:
    generate(DataPaths(root), options, progress=False)
    return root / "raw"


@pytest.fixture(scope="session")
def clean_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("clean"), CLEAN)


@pytest.fixture(scope="session")
def defects_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("defects"), DEFECTS)


@pytest.fixture(scope="session")
def clean_rolls(clean_raw: Path) -> pl.DataFrame:
    return read_rolls(clean_raw)
