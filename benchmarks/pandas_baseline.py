"""The pandas baseline: the straightforward script a team would write for one month's coverage rows.

Reads every roll file into one pandas frame, hashes each identifier with ``hmac``/``hashlib`` row by
row, applies the same row rules as the floor, drops repeated person-scheme rows, counts active
participants per commune and indicator, and computes coverage with the same denominators and targets
(``benchmarks/floor.py`` does the last step for both, so only the person-level work differs).
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pandas as pd
import polars as pl

from benchmarks.floor import coverage_rows, period_units
from pipeline.months import month_end
from pipeline.warehouse import read_sql


def run_pandas(data_dir: Path, month: str, key: bytes) -> pl.DataFrame:
    raw = data_dir / "raw"
    period = month_end(month)
    columns = [
        "person_id",
        "scheme",
        "commune_code",
        "bhyt_object_code",
        "birth_year",
        "valid_from",
        "valid_to",
    ]
    files = sorted((raw / "rolls" / month).glob("*.parquet"))
    rolls = pd.concat(
        [pd.read_parquet(path, columns=columns).assign(source_file=path.name) for path in files],
        ignore_index=True,
    )
    rolls["person_key"] = rolls["person_id"].map(
        lambda person: hmac.new(key, person.encode(), hashlib.sha256).hexdigest()[:32]
    )
    rolls = rolls.drop(columns="person_id")
    rolls["scheme"] = rolls["scheme"].str.upper()
    communes = set(period_units(raw, period)["code"].to_list())
    import duckdb

    object_codes = set(duckdb.sql(read_sql("reference/bhyt_object_code_rows.sql")).df()["code"])
    valid_from = pd.to_datetime(rolls["valid_from"])
    valid_to = pd.to_datetime(rolls["valid_to"])
    keep = (
        rolls["scheme"].isin(["BHXH_BB", "BHXH_TN", "BHTN", "BHYT"])
        & rolls["commune_code"].isin(communes)
        & ((rolls["scheme"] != "BHYT") | rolls["bhyt_object_code"].str.upper().isin(object_codes))
        & rolls["birth_year"].between(1900, period.year)
        & ~(valid_from > valid_to)
    )
    rolls = rolls[keep].drop_duplicates(["person_key", "scheme"], keep="first")
    stamp = pd.Timestamp(period)
    active = rolls[
        (valid_from[rolls.index].isna() | (valid_from[rolls.index] <= stamp))
        & (valid_to[rolls.index].isna() | (valid_to[rolls.index] >= stamp))
    ]
    by_scheme = active.groupby(["commune_code", "scheme"]).size().reset_index(name="participants")
    by_scheme["indicator"] = by_scheme["scheme"].str.lower()
    bhxh = active[active["scheme"].isin(["BHXH_BB", "BHXH_TN"])].sort_values("scheme")
    bhxh = bhxh.drop_duplicates("person_key", keep="first")
    bhxh = bhxh.groupby("commune_code").size().reset_index(name="participants").assign(indicator="bhxh")
    counts = pd.concat([by_scheme[["commune_code", "indicator", "participants"]], bhxh])
    return coverage_rows(raw, period, pl.from_pandas(counts))
