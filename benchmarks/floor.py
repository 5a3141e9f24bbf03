"""The reference floor: the essential work of one roll month with polars and DuckDB only (no Dagster,
no Great Expectations, no quarantine bookkeeping, no publication).

It reads every row of ``raw/rolls/YYYY-MM/`` (Parquet, as the generator writes it), computes the keyed
pseudonym of every row (HMAC-SHA-256, polars-hash), applies the contract's row rules that matter for
generated data (known scheme and commune of the period's vintage, valid BHYT object code, possible
birth year, valid_from <= valid_to, one row per person and scheme), stores the accepted person-level
month as compressed Parquet, and computes that month's coverage rows for communes, provinces and the
nation (participants, denominator, coverage %, target, persons still needed). The pipeline is compared
against it: what the pipeline does beyond this is orchestration, checks and guarantees.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import polars_hash  # noqa: F401

from pipeline import reference
from pipeline.months import month_end
from pipeline.warehouse import read_sql

INDICATORS = ("bhxh", "bhxh_bb", "bhxh_tn", "bhtn", "bhyt")
COMPARED = (
    "level",
    "unit_code",
    "indicator",
    "participants",
    "denominator",
    "coverage_pct",
    "target_pct",
    "persons_to_target",
)


def period_units(raw: Path, period: date) -> pl.DataFrame:
    """Communes of the vintage in force on ``period``, with their province."""
    units = reference.build_admin_units(reference.all_vintages(raw / "reference"))
    vintage = units.filter(pl.col("vintage") <= period)["vintage"].max()
    return units.filter((pl.col("vintage") == vintage) & (pl.col("level") == "commune")).select(
        "code", "province_code"
    )


def run_floor(data_dir: Path, month: str, key: bytes, work: Path, threads: int | None = None) -> pl.DataFrame:
    raw = data_dir / "raw"
    period = month_end(month)
    work.mkdir(parents=True, exist_ok=True)
    pending = []
    for number, path in enumerate(sorted((raw / "rolls" / month).glob("*.parquet"))):
        pending.append(work / f"pending-{number:05d}.parquet")
        # The digest as a column of its own: as one expression used twice, polars computes it twice.
        digest = pl.col("digest")
        (
            pl.scan_parquet(path)
            .with_columns(pl.col("person_id").chash.hmac_sha256(key=key.decode()).alias("digest"))
            .select(
                pl.col("scheme").str.to_uppercase(),
                pl.col("commune_code"),
                pl.col("bhyt_object_code").str.to_uppercase(),
                pl.col("birth_year").cast(pl.Int64),
                pl.col("valid_from"),
                pl.col("valid_to"),
                digest.str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64).alias("key_hi"),
                digest.str.slice(16, 16).str.to_integer(base=16, dtype=pl.UInt64).alias("key_lo"),
                pl.col("person_id").str.contains(r"^(\d{10}|\d{12})$").alias("id_ok"),
            )
            .with_row_index("source_row")
            .with_columns(source_file=pl.lit(path.name))
            .sink_parquet(pending[-1], compression="lz4")
        )
    connection = duckdb.connect(
        config={
            "memory_limit": "5GB",
            "temp_directory": str(work / "spill"),
            "preserve_insertion_order": False,
        }
    )
    connection.register("communes", period_units(raw, period))
    connection.execute("create temp table object_codes as " + read_sql("reference/bhyt_object_code_rows.sql"))
    accepted = work / "accepted.parquet"
    connection.execute(
        """
        copy (
            with rows as (
                select * from read_parquet($pending)
                where id_ok and scheme in ('BHXH_BB', 'BHXH_TN', 'BHTN', 'BHYT')
                  and commune_code in (select code from communes)
                  and (scheme != 'BHYT' or bhyt_object_code in (select code from object_codes))
                  and birth_year between 1900 and year($period)
                  and coalesce(valid_from <= valid_to, true)
            )
            select
                *,
                coalesce(valid_from <= $period, true) and coalesce(valid_to >= $period, true) as is_active
            from rows
            qualify row_number() over (
                partition by key_hi, key_lo, scheme order by source_file, source_row
            ) = 1
        ) to $accepted (format parquet, compression zstd)
        """,
        {"pending": [str(p) for p in pending], "period": period, "accepted": str(accepted)},
    )
    counts = connection.execute(
        """
        with month as (select * from read_parquet($accepted) where is_active),
        by_scheme as (
            select commune_code, lower(scheme) as indicator, count(*) as participants
            from month group by all
        ),
        bhxh as (
            select commune_code, 'bhxh' as indicator, count(*) as participants
            from (select arg_min(commune_code, scheme) as commune_code from month
                  where scheme in ('BHXH_BB', 'BHXH_TN') group by key_hi, key_lo)
            group by all
        )
        select * from by_scheme union all select * from bhxh
        """,
        {"accepted": str(accepted)},
    ).pl()
    connection.close()
    return coverage_rows(raw, period, counts)


def coverage_rows(raw: Path, period: date, counts: pl.DataFrame) -> pl.DataFrame:
    """Participants per commune and indicator -> coverage at commune, province and nation level."""
    communes = period_units(raw, period)
    counts = counts.with_columns(pl.col("participants").cast(pl.Int64))
    grid = communes.join(pl.DataFrame({"indicator": INDICATORS}), how="cross")
    by_commune = grid.join(
        counts, left_on=["code", "indicator"], right_on=["commune_code", "indicator"], how="left"
    ).with_columns(pl.col("participants").fill_null(0))
    levels = pl.concat(
        [
            by_commune.select(
                pl.lit("commune").alias("level"),
                pl.col("code").alias("unit_code"),
                "indicator",
                "participants",
            ),
            by_commune.group_by("province_code", "indicator")
            .agg(pl.col("participants").sum())
            .select(
                pl.lit("province").alias("level"),
                pl.col("province_code").alias("unit_code"),
                "indicator",
                "participants",
            ),
            by_commune.group_by("indicator")
            .agg(pl.col("participants").sum())
            .select(
                pl.lit("nation").alias("level"), pl.lit("VN").alias("unit_code"), "indicator", "participants"
            ),
        ]
    )
    denominators = []
    for kind, indicators in (("labour_force", INDICATORS[:4]), ("population", ("bhyt",))):
        frame = pl.read_csv(
            raw / kind / f"{kind}_{period.year}.csv", schema_overrides={"unit_code": pl.String}
        )
        frame = frame.select("unit_level", "unit_code", pl.col(kind).alias("denominator"))
        frame = pl.concat(
            [
                frame,
                frame.filter(pl.col("unit_level") == "province").select(
                    pl.lit("nation").alias("unit_level"),
                    pl.lit("VN").alias("unit_code"),
                    pl.col("denominator").sum(),
                ),
            ]
        )
        denominators.append(frame.join(pl.DataFrame({"indicator": indicators}), how="cross"))
    targets = pl.read_csv(
        raw / "targets" / f"targets_{period.year}.csv", schema_overrides={"unit_code": pl.String}
    ).select("unit_level", "unit_code", "indicator", "target_pct")
    keys = [pl.col("level"), pl.col("unit_code"), pl.col("indicator")]
    return (
        levels.join(
            pl.concat(denominators),
            left_on=keys,
            right_on=["unit_level", "unit_code", "indicator"],
            how="left",
        )
        .join(targets, left_on=keys, right_on=["unit_level", "unit_code", "indicator"], how="left")
        .with_columns(coverage_pct=pl.col("participants") / pl.col("denominator") * 100)
        .with_columns(
            persons_to_target=pl.when(
                pl.col("target_pct").is_not_null() & pl.col("denominator").is_not_null()
            )
            .then(
                pl.max_horizontal(
                    pl.lit(0),
                    (pl.col("target_pct") * pl.col("denominator") / 100).round(6).ceil().cast(pl.Int64)
                    - pl.col("participants"),
                )
            )
            .cast(pl.Int64)
        )
        .select(COMPARED)
        .sort("level", "unit_code", "indicator")
    )
