"""Reading a generated raw/ folder back, the way a consumer of the raw contract would."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl

from pipeline.months import month_end


def roll_files(raw: Path) -> list[Path]:
    return sorted(p for p in (raw / "rolls").rglob("*") if p.suffix in (".csv", ".parquet"))


def read_table(path: Path) -> pl.DataFrame:
    """Parquet as written; CSV as text (the contract's rules apply to the text)."""
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema=False, encoding="utf8")


def snapshot_date(path: Path) -> date:
    return month_end(path.parent.name)


def read_rolls(raw: Path) -> pl.DataFrame:
    """Every roll row with its month's snapshot date and an ``active`` flag (contract rule)."""
    frames = []
    for path in roll_files(raw):
        frame = read_table(path).with_columns(
            snapshot=pl.lit(snapshot_date(path)), file=pl.lit(str(path.relative_to(raw)))
        )
        frames.append(frame)
    rolls = pl.concat(frames, how="vertical_relaxed")
    return rolls.with_columns(
        active=(pl.col("valid_from") <= pl.col("snapshot"))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("snapshot"))),
        age=pl.col("snapshot").dt.year() - pl.col("birth_year").cast(pl.Int32),
    )


def read_source(raw: Path, source: str) -> pl.DataFrame:
    paths = sorted((raw / source).glob("*.csv"))
    return pl.concat([read_table(p) for p in paths]) if paths else pl.DataFrame()


def file_hashes(raw: Path) -> dict[str, str]:
    return {
        str(p.relative_to(raw)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(raw.rglob("*"))
        if p.is_file()
    }
