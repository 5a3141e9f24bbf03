"""``generate()``: write every source of the raw contract for the requested months, scale and seed."""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from pipeline.generate import tables
from pipeline.generate.defects import MANIFEST_COLUMNS, ROLL_KINDS, FileSpec, inject
from pipeline.generate.model import Model
from pipeline.generate.options import (
    GENERATOR_VERSION,
    REFORM_MONTH,
    Calendar,
    GenerateOptions,
    resolve,
)
from pipeline.generate.people import Population
from pipeline.generate.randomness import rng
from pipeline.generate.residents import Register, resident_table
from pipeline.generate.rolls import roll_table
from pipeline.months import last_day, month_text
from pipeline.settings import REFORM_VINTAGE, DataPaths

SOURCES = ("rolls", "aggregates", "population", "labour_force", "targets", "plans", "residents")
MANIFEST_FILE = "GENERATED.json"
DEFECTS_FILE = "defects_manifest.csv"


@dataclass
class GenerateReport:
    raw: Path
    calendar: Calendar
    options: GenerateOptions
    files: int = 0
    rows: int = 0
    roll_rows: int = 0
    defects: int = 0
    seconds: float = 0.0
    file_rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        c = self.calendar
        lines = [
            f"Generated synthetic raw data in {self.raw} ({self.seconds:.1f} s): {self.files} files, "
            f"{self.rows:,} rows (seed {self.options.seed}, scale {self.options.scale:g}).",
            f"  rolls {month_text(c.rolls_start)} .. {month_text(c.end)} ({len(c.roll_months)} months, "
            f"{self.roll_rows:,} person-scheme rows, "
            f"{self.roll_rows / max(self.seconds, 1e-9):,.0f} rows/s overall)",
            f"  aggregates for {', '.join(map(str, c.aggregate_years)) or 'no year'}; "
            f"denominators, targets and plans for {c.years[0]}-{c.years[-1]}",
        ]
        if self.options.residents:
            residents = sum(n for f, n in self.file_rows.items() if f.startswith("residents/"))
            lines.append(f"  resident register for every roll month: {residents:,} resident rows")
        if self.options.defects:
            lines.append(f"  {self.defects:,} injected defects listed in {self.raw / DEFECTS_FILE}")
        lines.append(f"  every file is synthetic and labelled so; see {self.raw / MANIFEST_FILE}")
        return "\n".join(lines)


class _Output:
    """Writes files (Parquet rolls when clean, CSV otherwise), counts rows, injects defects on request."""

    def __init__(self, raw: Path, options: GenerateOptions, model: Model):
        self.raw, self.options = raw, options
        self.file_rows: dict[str, int] = {}
        self.manifest: list[dict] = []
        self.known_codes = frozenset(model.geo.codes.tolist()) | frozenset(model.geo.new_codes.tolist())
        self.post_codes = frozenset(model.geo.new_codes.tolist())
        # Parquet encoding and compression run in Arrow's C++ without the GIL: one writer thread overlaps
        # them with the next province's simulation, one file in flight at a time.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet")
        self._pending: Future | None = None

    def frame(self, relative: str, frame: pl.DataFrame, spec: FileSpec) -> None:
        path = self.raw / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.options.defects:
            self._inject(relative, frame, spec)
        else:
            frame.write_csv(path)
            self.file_rows[relative] = frame.height

    def roll(
        self, relative_stem: str, table: pa.Table, spec: FileSpec, helpers: dict[str, np.ndarray]
    ) -> None:
        path = self.raw / relative_stem
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.options.defects:
            frame = (
                pl.from_arrow(table)
                .with_columns(
                    pl.col(c).cast(pl.String)
                    for c in ("scheme", "commune_code", "sex", "bhyt_object_code", "full_name", "source")
                )
                .with_columns(**{name: pl.Series(values) for name, values in helpers.items()})
            )
            self._inject(relative_stem + ".csv", frame, spec)
        else:
            self.parquet(relative_stem, table)

    def parquet(self, relative_stem: str, table: pa.Table) -> None:
        """Write ``table`` as ``<relative_stem>.parquet`` on the writer thread (the register is always
        written so: it carries no injected faults)."""
        path = self.raw / relative_stem
        path.parent.mkdir(parents=True, exist_ok=True)
        # store_schema=False: readers get plain strings, not Arrow dictionaries (categoricals); no
        # dictionary attempt on the identifiers and other nearly unique columns (it would be abandoned)
        unique = ("person_id", "bhyt_card_no", "household_id", "address", "phone")
        self.wait()
        self._pending = self._writer.submit(
            pq.write_table,
            table,
            path.with_suffix(".parquet"),
            compression="zstd",
            store_schema=False,
            use_dictionary=[c for c in table.column_names if c not in unique],
        )
        self.file_rows[relative_stem + ".parquet"] = table.num_rows

    def wait(self) -> None:
        """Block until the file in flight is written (and raise its error, if any)."""
        if self._pending is not None:
            self._pending.result()
            self._pending = None

    def close(self) -> None:
        self.wait()
        self._writer.shutdown()

    def _inject(self, relative: str, frame: pl.DataFrame, spec: FileSpec) -> None:
        generator = rng(self.options.seed, "defects", relative)
        result = inject(
            frame, relative, spec, self.options.defects, generator, self.known_codes, self.post_codes
        )
        (self.raw / relative).write_bytes(result.text)
        self.file_rows[relative] = result.rows
        self.manifest.extend(result.entries)


def _clear(raw: Path) -> None:
    for source in SOURCES:
        shutil.rmtree(raw / source, ignore_errors=True)
    for name in (MANIFEST_FILE, DEFECTS_FILE):
        (raw / name).unlink(missing_ok=True)


def _write_rolls(
    out: _Output, model: Model, calendar: Calendar, seed: int, label: str, progress: bool
) -> int:
    """Person-level rolls, one pre-reform province at a time: all of its months, then the next."""
    months = np.array(calendar.roll_months)
    post_months = [m for m in calendar.roll_months if m >= REFORM_MONTH]
    home_month = (
        post_months[0] if post_months else calendar.end
    )  # every roll fault appears here at least once
    profiles = model.profiles(months)
    total = len(profiles) * len(months)
    rows = 0
    with tqdm(total=total, desc="rolls", unit="file", disable=not progress, smoothing=0.1) as bar:
        for part, profile in enumerate(profiles, start=1):
            population = Population(profile, seed)
            if out.options.residents:
                kind = model.geo.kind[np.searchsorted(model.geo.codes, profile.commune_codes)]
                register = Register(population, kind, seed)
            new_province = model.geo.new_provinces[model.geo.new_province_of[profile.index]]
            for position, month in enumerate(months.tolist()):
                if position:
                    population.step()
                snapshot = population.snapshot()
                post = month >= REFORM_MONTH
                card_province = new_province if post else profile.code
                table = roll_table(population, snapshot, model.geo.new_codes, card_province, label)
                rows += table.num_rows
                spec, helpers = FileSpec(()), {}
                if out.options.defects:
                    kinds = tuple(
                        k for k in ROLL_KINDS if post or k != "pre_reform_code_in_post_reform_month"
                    )
                    forced = frozenset(kinds) if (part == 1 and month == home_month) else frozenset()
                    spec = FileSpec(
                        kinds, "commune_code", "valid_from", forced=forced, snapshot_year=month // 12
                    )
                    helpers = _defect_helpers(population, snapshot.person, month)
                out.roll(f"rolls/{month_text(month)}/part-{part:02d}", table, spec, helpers)
                if out.options.residents:
                    residents = resident_table(population, register, month, model.geo.new_codes, label)
                    out.parquet(f"residents/{month_text(month)}/part-{part:02d}", residents)
                bar.update(1)
                bar.set_postfix_str(f"province {profile.code}", refresh=False)
    return rows


def _defect_helpers(population: Population, person: np.ndarray, month: int) -> dict[str, np.ndarray]:
    """Hidden columns the fault injector needs: each row's pre-reform commune and whether it was split."""
    commune = population.commune[person]
    post = month >= REFORM_MONTH
    profile = population.profile
    month_end = last_day(month).isoformat()
    return {
        "_old_code": profile.commune_codes[commune] if post else np.full(len(commune), ""),
        "_old_partial": profile.link_count[commune] > 1 if post else np.zeros(len(commune), bool),
        "_month_end": np.full(len(commune), month_end),
    }


def generate(paths: DataPaths, options: GenerateOptions, progress: bool = True) -> GenerateReport:
    """Write synthetic raw data for ``options`` into ``paths.raw``, replacing what a previous generation
    wrote there (``raw/reference/`` and any other folder are left alone)."""
    started = time.perf_counter()
    calendar = resolve(options)
    model = Model(scale=options.scale, seed=options.seed)
    raw = paths.raw
    raw.mkdir(parents=True, exist_ok=True)
    _clear(raw)
    out = _Output(raw, options, model)
    version = f"generator {GENERATOR_VERSION} seed={options.seed}"
    label = f"synthetic: coverage-pipeline {version} scale={options.scale:g}"  # rolls (dictionary-encoded)
    short = f"synthetic: {version}"  # yearly files: written on every row
    first_year = calendar.years[0]

    # yearly sources: on the units in force in December; the reform year also on those of January,
    # in files named with that vintage (e.g. targets/targets_2025_2000-01-01.csv)
    for year in calendar.years:
        real = bool(model.stats.real[model.stats.year_index(year)])
        december, *earlier = tables.year_vintages(year)
        for vintage in (december, *earlier):
            suffix = "" if vintage == december else f"_{vintage.isoformat()}"
            first = year == first_year and vintage == december  # forced defects: once per source
            post_reform = vintage == REFORM_VINTAGE
            for source, column, den, figure in (
                (
                    "population",
                    "population",
                    model.population(year, post_reform),
                    "NSO E02.01 average population",
                ),
                (
                    "labour_force",
                    "labour_force",
                    model.labour_force(year, post_reform),
                    "NSO E02.37 labour force 15+ x 0.888",
                ),
            ):
                how = f"{figure} {year}" if real else f"projection from {figure}"
                province_source = f"synthetic: {how} x scale {options.scale:g} (seed {options.seed})"
                frame = tables.denominator_frame(den, column, province_source, short)
                forced = {"zero_denominator", "utf8_bom"} if source == "population" and first else set()
                spec = FileSpec(
                    ("duplicate_row", "zero_denominator", "unknown_commune_code", "lost_leading_zeros"),
                    code_column="unit_code",
                    count_column=column,
                    forced=frozenset(forced),
                )
                out.frame(f"{source}/{source}_{year}{suffix}.csv", frame, spec)
            spec = FileSpec(
                ("duplicate_row", "target_above_100", "lost_leading_zeros", "ddmmyyyy_date"),
                code_column="unit_code",
                date_column="due_date",
                count_column="target_pct",
                forced=frozenset({"target_above_100"} if first else ()),
            )
            targets = tables.targets_frame(model, year, short, vintage)
            out.frame(f"targets/targets_{year}{suffix}.csv", targets, spec)
            spec = FileSpec(
                ("duplicate_row", "negative_count", "lost_leading_zeros"),
                code_column="unit_code",
                count_column="planned_new",
                forced=frozenset({"negative_count"} if first else ()),
            )
            out.frame(
                f"plans/plans_{year}{suffix}.csv", tables.plans_frame(model, year, short, vintage), spec
            )
    for year in calendar.aggregate_years:
        spec = FileSpec(
            ("duplicate_row", "negative_count", "lost_leading_zeros", "ddmmyyyy_date"),
            code_column="unit_code",
            date_column="as_of",
            count_column="participants",
        )
        out.frame(f"aggregates/aggregates_{year}.csv", tables.aggregates_frame(model, year, short), spec)

    try:
        roll_rows = _write_rolls(out, model, calendar, options.seed, label, progress)
    finally:
        out.close()

    if options.defects:
        manifest = pl.DataFrame(
            out.manifest,
            schema={
                "file": pl.String,
                "row": pl.Int64,
                "kind": pl.String,
                "column": pl.String,
                "detail": pl.String,
            },
        )
        empty_as_null = [pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in ("column", "detail")]
        manifest = manifest.with_columns(empty_as_null).select(MANIFEST_COLUMNS)
        manifest.sort("file", "row", nulls_last=False).write_csv(raw / DEFECTS_FILE)
    resolved = GenerateOptions(
        scale=options.scale,
        from_month=month_text(calendar.start),
        to_month=month_text(calendar.end),
        rolls_from=month_text(calendar.rolls_start),
        seed=options.seed,
        defects=options.defects,
        residents=options.residents,
    )
    files = dict(sorted(out.file_rows.items()))
    manifest_json = {
        "synthetic": True,
        "generator": "coverage-pipeline synthetic data generator (pipeline/generate, docs/generator.md)",
        "version": GENERATOR_VERSION,
        "seed": options.seed,
        "options": asdict(resolved),
        "notice": "Every figure and person in these files is synthetic. Province denominators for 2019-2024 "
        "are NSO's real figures times the scale; everything else is generated.",
        "defects_manifest": DEFECTS_FILE if options.defects else None,
        "rows": sum(files.values()),
        "files": files,
    }
    (raw / MANIFEST_FILE).write_text(
        json.dumps(manifest_json, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return GenerateReport(
        raw=raw,
        calendar=calendar,
        options=resolved,
        files=len(files),
        rows=sum(files.values()),
        roll_rows=roll_rows,
        defects=len(out.manifest),
        seconds=time.perf_counter() - started,
        file_rows=files,
    )
