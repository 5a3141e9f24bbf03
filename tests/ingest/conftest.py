"""Fixtures for ingestion tests: a DuckDB holding the reference tables, and writers for raw files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline import reference
from pipeline.warehouse import ADMIN_CROSSWALK, ADMIN_UNITS, BHYT_OBJECT_CODES, load_table, run_sql

ROLL_HEADER = "person_id,scheme,commune_code,sex,birth_year,bhyt_object_code,bhyt_card_no,valid_from,valid_to"


@pytest.fixture(scope="session")
def reference_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    units = reference.build_admin_units(reference.all_vintages(Path("/nonexistent")))
    crosswalk = reference.build_crosswalk(
        units, reference.adjacent_commune_links(units, Path("/nonexistent"))
    )
    return units, crosswalk


@pytest.fixture
def connection(reference_frames) -> duckdb.DuckDBPyConnection:
    """An in-memory working database with the reference tables and empty staging tables."""
    units, crosswalk = reference_frames
    with duckdb.connect() as connection:
        load_table(connection, ADMIN_UNITS, units)
        load_table(connection, ADMIN_CROSSWALK, crosswalk)
        load_table(
            connection,
            BHYT_OBJECT_CODES,
            run_sql(connection, "reference/bhyt_object_code_rows.sql").to_arrow_table(),
        )
        run_sql(connection, "staging/create_staging_tables.sql")
        yield connection


@pytest.fixture(scope="session")
def pre_reform_codes(reference_frames) -> dict[str, str]:
    """A pre-reform commune that went whole into one new commune, and one that was split."""
    _, crosswalk = reference_frames
    communes = crosswalk.filter(pl.col("from_level") == "commune")
    whole = communes.filter(~pl.col("is_partial") & (pl.col("from_code") != pl.col("to_code")))
    split = communes.filter(pl.col("is_partial"))
    return {
        "whole_from": whole["from_code"][0],
        "whole_to": whole["to_code"][0],
        "split_from": split["from_code"][0],
    }


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
