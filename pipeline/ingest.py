"""Ingestion: raw files of the raw contract -> staging tables, with quarantine and pseudonymisation.

Split of work (conventions): polars parses and normalises each file (column matching, code padding,
NFC, both date forms, numbers), keeping the raw text of every value that could fail a rule; DuckDB SQL
(``sql/staging/``) resolves boundary vintages and applies the row rules exhaustively, writing accepted
rows to ``staging.<source>`` and the others to ``staging.quarantine`` with file, row, rule, column and
offending value. Every file read is recorded in ``staging.ingested_files`` with its row count, so
``rows read = accepted + quarantined`` can be checked for every file.

Person identifiers never leave this module in clear: each roll file is hashed (HMAC-SHA-256, in polars)
before anything of it is written, and the raw column is dropped with the frame.

A roll month or a whole source is replaced in one transaction: a failure leaves the previous state.
Roll months are stored as one Parquet file each (``staging.rolls`` reads them), the rest in DuckDB.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipeline.lake import commit_retried
from pipeline.months import month_end
from pipeline.pseudonym import KEY_ENV, KeyMismatch, fingerprint, key_file, load_key, with_person_key
from pipeline.quality.runner import great_expectations_imported_meanwhile
from pipeline.raw_io import (
    ROW_NUMBER,
    RawFileError,
    list_source_files,
    nfc,
    pad_code,
    parse_date,
    read_contract_file,
    read_contract_slices,
)
from pipeline.settings import DataPaths
from pipeline.warehouse import (
    build_name,
    define_month_view,
    is_lake,
    lake_name,
    month_partition,
    month_table,
    read_sql,
    run_sql,
)

# The raw file a row came from: its path under raw/ as stored, and while a month's files are read and
# normalised, their number in the month (4 bytes a row rather than a path on every row of a file).
SOURCE_FILE = "source_file"
# Rows normalised in one call (ingest_month): the call's fixed part dominated months of small files
# (63 province files of ~23k rows at scale 0.01), so small files go through together; a larger file
# (a national province file: 2-16M rows) is read in slices of this size, so memory is bounded by it.
PENDING_BATCH_ROWS = 2_000_000
# Seconds between two "read n/N files" lines of a month (and its last file's, always). In a Dagster run
# each line is an event stored by the instance (a commit to SQLite by default), which one line per file
# made a good part of the read stage of a month of small files.
PROGRESS_EVERY_S = 5.0


@dataclass(frozen=True)
class Source:
    """One raw source of the contract: its folder under raw/, its columns, its rules file."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    rules_sql: str
    table: str  # where accepted rows land


ROLLS = Source(
    "rolls",
    required=("person_id", "scheme", "commune_code"),
    optional=("sex", "birth_year", "bhyt_object_code", "bhyt_card_no", "valid_from", "valid_to", "vintage"),
    rules_sql="staging/stg_rolls.sql",
    table="staging.rolls",
)
AGGREGATES = Source(
    "aggregates",
    ("as_of", "unit_level", "unit_code", "scheme", "participants"),
    ("vintage",),
    "staging/stg_aggregates.sql",
    "staging.aggregates",
)
# Both denominators land in staging.denominators, told apart by kind (= the source name).
POPULATION = Source(
    "population",
    ("year", "unit_level", "unit_code", "population"),
    ("vintage", "source"),
    "staging/stg_denominators.sql",
    "staging.denominators",
)
LABOUR_FORCE = Source(
    "labour_force",
    ("year", "unit_level", "unit_code", "labour_force"),
    ("vintage", "source"),
    "staging/stg_denominators.sql",
    "staging.denominators",
)
TARGETS = Source(
    "targets",
    ("year", "unit_level", "unit_code", "indicator", "target_pct"),
    ("due_date", "vintage"),
    "staging/stg_targets.sql",
    "staging.targets",
)
PLANS = Source(
    "plans",
    ("year", "unit_level", "unit_code", "scheme", "planned_new"),
    ("bhyt_object_code", "vintage"),
    "staging/stg_plans.sql",
    "staging.plans",
)
TABLE_SOURCES = (AGGREGATES, POPULATION, LABOUR_FORCE, TARGETS, PLANS)
# The resident register (an extension of the raw contract, docs/contracts/raw-data.md): who lives in
# each commune and village. Names, addresses, phone numbers and the optional household_id are in the
# files but are never read here (read_contract_file loads the columns asked for only): the outreach
# command reads them again for the one commune it lists.
RESIDENTS = Source(
    "residents",
    required=("person_id", "commune_code", "village", "sex", "birth_year"),
    optional=("vintage",),
    rules_sql="staging/stg_residents.sql",
    table="staging.residents",
)


@dataclass
class FileRead:
    path: Path
    relative: str
    sha256: str
    rows: int


@dataclass
class IngestReport:
    source: str
    partition_key: str
    files: list[FileRead] = field(default_factory=list)
    accepted: int = 0
    quarantined_by_rule: dict[str, int] = field(default_factory=dict)
    remapped_codes: int = 0
    seconds: float = 0.0
    # Roll months: where the time went (read, normalise_pseudonymise, judge, store), for benchmarks.
    stage_seconds: Counter = field(default_factory=Counter)

    @property
    def rows_read(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(self.quarantined_by_rule.values())


# ---------------------------------------------------------------------------------------------
# Reading one file (polars)
# ---------------------------------------------------------------------------------------------


def source_files(folder: Path, raw_root: Path) -> list[Path]:
    """The data files of a source folder; any other file type there fails the ingestion."""
    listing = list_source_files(folder)
    if listing.unexpected:
        stray = listing.unexpected[0]
        raise RawFileError(
            stray,
            f"unexpected file type '{stray.suffix or '(none)'}' in {folder.relative_to(raw_root)}/ "
            "(only .csv and .parquet are read; move or convert it)",
        )
    return listing.files


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Normalising (polars): typed values next to the raw text that produced them
# ---------------------------------------------------------------------------------------------


def _integer(column: str) -> pl.Expr:
    """An integer, also when a spreadsheet wrote it as '12.0'; null when it is not one."""
    as_float = pl.col(column).cast(pl.Float64, strict=False)
    return pl.coalesce(
        pl.col(column).cast(pl.Int64, strict=False),
        pl.when(as_float == as_float.round(0)).then(as_float.cast(pl.Int64, strict=False)),
    )


def _unit_columns(reference_date: pl.Expr) -> list[pl.Expr]:
    level = pl.col("unit_level").str.to_lowercase()
    return [
        pl.col("unit_level").alias("unit_level_raw"),
        level.alias("unit_level"),
        pad_code("unit_code", level).alias("unit_code"),
        reference_date.alias("reference_date"),
        pl.col("vintage").alias("vintage_raw"),
        parse_date("vintage").alias("vintage_declared"),
    ]


def normalise(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Apply the raw contract's value rules to a table source (month sources: ``MonthSource.normalise``);
    what cannot be parsed stays null beside its raw text."""
    year = _integer("year") if "year" in source.required else None
    year_end = pl.date(year, 12, 31) if year is not None else None
    if source is AGGREGATES:
        return frame.select(
            ROW_NUMBER,
            pl.col("as_of").alias("as_of_raw"),
            parse_date("as_of").alias("as_of"),
            *_unit_columns(parse_date("as_of")),
            pl.col("scheme").str.to_uppercase().alias("scheme"),
            pl.col("participants").alias("participants_raw"),
            _integer("participants").alias("participants"),
        )
    common = [
        ROW_NUMBER,
        pl.col("year").alias("year_raw"),
        year.alias("year"),
        *_unit_columns(pl.when(year.is_between(1900, 2200)).then(year_end)),
    ]
    if source in (POPULATION, LABOUR_FORCE):
        value = source.required[-1]
        return frame.select(
            *common,
            pl.col(value).alias("value_raw"),
            _integer(value).alias("value"),
            nfc("source").alias("source"),
        )
    if source is TARGETS:
        return frame.select(
            *common,
            pl.col("indicator").str.to_lowercase().alias("indicator"),
            pl.col("target_pct").alias("target_pct_raw"),
            pl.col("target_pct").str.replace(",", ".").cast(pl.Float64, strict=False).alias("target_pct"),
            pl.col("due_date").alias("due_date_raw"),
            parse_date("due_date").alias("due_date"),
        )
    if source is PLANS:
        return frame.select(
            *common,
            pl.col("scheme").str.to_uppercase().alias("scheme"),
            pl.col("bhyt_object_code").str.to_uppercase().alias("bhyt_object_code"),
            pl.col("planned_new").alias("planned_new_raw"),
            _integer("planned_new").alias("planned_new"),
        )
    raise AssertionError(source.name)


SEX_CODES = {"m": "M", "nam": "M", "f": "F", "nữ": "F"}
# The contract: a 10-digit social-insurance number or a 12-digit personal ID.
PERSON_ID_PATTERN = r"^(\d{10}|\d{12})$"


def _as_date(schema: pl.Schema, column: str) -> pl.Expr:
    """A date column: taken as it is when a Parquet file typed it, else parsed from its text."""
    return pl.col(column) if schema[column] != pl.String else parse_date(column)


def _raw_if_unparsed(schema: pl.Schema, column: str) -> pl.Expr:
    """The raw text of ``column`` where ``<column>_parsed`` is null (for the quarantine's offending
    value); never anything for a column a Parquet file typed (its values are all valid)."""
    if schema[column] != pl.String:
        return pl.lit(None, dtype=pl.String)
    return pl.when(pl.col(f"{column}_parsed").is_null()).then(pl.col(column))


def normalise_rolls(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Parse each value once; keep its raw text only where it did not parse (for the quarantine's
    offending value): at national scale a copy of every raw value would double the month's footprint.
    Dates and integers that a Parquet file already types are taken as they are (always valid; turning
    143M dates into text and back was a third of the reading time). ``SOURCE_FILE`` passes through:
    several files can be normalised together."""
    schema = frame.collect_schema()
    frame = per_distinct(frame, "commune_code", commune_padded=pad_code("commune_code", "commune"))
    frame = per_distinct(
        frame, "sex", sex_parsed=nfc("sex").str.to_lowercase().replace_strict(SEX_CODES, default=None)
    )
    parsed = frame.with_columns(
        birth_year_parsed=_integer("birth_year"),
        valid_from_parsed=_as_date(schema, "valid_from"),
        valid_to_parsed=_as_date(schema, "valid_to"),
        vintage_parsed=_as_date(schema, "vintage"),
    )

    def raw_if_unparsed(column: str) -> pl.Expr:
        return _raw_if_unparsed(schema, column)

    person_id = pl.col("person_id")
    return parsed.select(
        ROW_NUMBER,
        person_id,
        _person_id_problem(person_id),
        pl.col("scheme").str.to_uppercase().alias("scheme"),
        pl.col("commune_padded").alias("commune_code"),
        raw_if_unparsed("sex").alias("sex_raw"),
        pl.col("sex_parsed").alias("sex"),
        raw_if_unparsed("birth_year").alias("birth_year_raw"),
        pl.col("birth_year_parsed").alias("birth_year"),
        pl.coalesce(
            pl.col("bhyt_object_code").str.to_uppercase(),
            pl.col("bhyt_card_no").str.slice(0, 2).str.to_uppercase(),
        ).alias("bhyt_object_code"),
        raw_if_unparsed("valid_from").alias("valid_from_raw"),
        pl.col("valid_from_parsed").alias("valid_from"),
        raw_if_unparsed("valid_to").alias("valid_to_raw"),
        pl.col("valid_to_parsed").alias("valid_to"),
        raw_if_unparsed("vintage").alias("vintage_raw"),
        pl.col("vintage_parsed").alias("vintage_declared"),
        SOURCE_FILE,
    )


def _person_id_problem(person_id: pl.Expr) -> pl.Expr:
    """What is wrong with an ID that is not 10 or 12 digits, described without quoting it (the
    quarantine must not hold personal data): its length and whether it is all digits."""
    return (
        pl.when(person_id.is_not_null() & ~person_id.str.contains(PERSON_ID_PATTERN))
        .then(
            pl.format(
                "{} characters, {}",
                person_id.str.len_chars(),
                pl.when(person_id.str.contains(r"^\d+$"))
                .then(pl.lit("all digits"))
                .otherwise(pl.lit("not all digits")),
            )
        )
        .alias("person_id_problem")
    )


def per_distinct(frame: pl.LazyFrame, column: str, **outputs: pl.Expr) -> pl.LazyFrame:
    """``frame`` with ``outputs`` computed once per distinct value of ``column`` (a few thousand at
    most: a month's commune codes, village names, sexes) and looked up for each row. Padding or
    Unicode normalisation per row was a good part of the time spent reading a month; looking the
    results up with ``replace_strict`` rather than joining them back saved another 0.7-2.5 s of a
    14.3M-row month (normalise + pseudonymise, best of 3, 2026-12-04). The distinct values are
    computed here, from ``frame`` (a file already in memory)."""
    distinct = frame.select(pl.col(column).unique()).with_columns(**outputs).collect()
    # replace_strict matches a null key too, so a null value gets what the expression gives a null.
    return frame.with_columns(
        pl.col(column)
        .replace_strict(distinct[column], distinct[name], default=None, return_dtype=distinct.schema[name])
        .alias(name)
        for name in outputs
    )


def normalise_residents(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The register's contract columns parsed like the rolls' (raw text kept only where a value did
    not parse); the village name is NFC text with its spaces trimmed and collapsed. ``SOURCE_FILE``
    passes through, as in :func:`normalise_rolls`."""
    schema = frame.collect_schema()
    frame = per_distinct(
        frame, "sex", sex_parsed=nfc("sex").str.to_lowercase().replace_strict(SEX_CODES, default=None)
    )
    frame = per_distinct(frame, "village", village_text=nfc("village").str.replace_all(r"\s+", " "))
    frame = per_distinct(frame, "commune_code", commune_padded=pad_code("commune_code", "commune"))
    village = pl.col("village_text")
    parsed = frame.with_columns(
        birth_year_parsed=_integer("birth_year"), vintage_parsed=_as_date(schema, "vintage")
    )
    return parsed.select(
        ROW_NUMBER,
        pl.col("person_id"),
        _person_id_problem(pl.col("person_id")),
        pl.col("commune_padded").alias("commune_code"),
        pl.when(village != "").then(village).alias("village"),
        _raw_if_unparsed(schema, "sex").alias("sex_raw"),
        pl.col("sex_parsed").alias("sex"),
        _raw_if_unparsed(schema, "birth_year").alias("birth_year_raw"),
        pl.col("birth_year_parsed").alias("birth_year"),
        _raw_if_unparsed(schema, "vintage").alias("vintage_raw"),
        pl.col("vintage_parsed").alias("vintage_declared"),
        SOURCE_FILE,
    )


# ---------------------------------------------------------------------------------------------
# Loading (DuckDB): one transaction per roll month or per source
# ---------------------------------------------------------------------------------------------

Progress = Callable[[str], None]


def _record_files(connection: duckdb.DuckDBPyConnection, report: IngestReport) -> None:
    ledger = pl.DataFrame(
        {
            "source": [report.source] * len(report.files),
            "partition_key": [report.partition_key] * len(report.files),
            "source_file": [f.relative for f in report.files],
            "file_sha256": [f.sha256 for f in report.files],
            "rows_read": [f.rows for f in report.files],
        },
        schema={
            "source": pl.String,
            "partition_key": pl.String,
            "source_file": pl.String,
            "file_sha256": pl.String,
            "rows_read": pl.Int64,
        },
    )
    run_sql(connection, "staging/record_files.sql", frames={"files": ledger})


def _outcome(connection: duckdb.DuckDBPyConnection, report: IngestReport) -> None:
    """Accepted rows counted in the staging table, quarantined ones in the quarantine (never derived
    from each other, so the reconciliation check means something)."""
    params = {"source": report.source, "partition_key": report.partition_key}
    counts = run_sql(connection, "staging/ingest_outcome.sql", params).fetchall()
    report.quarantined_by_rule = {rule: count for rule, count in counts if rule is not None}
    report.accepted = sum(count for rule, count in counts if rule is None)


def _in_transaction(connection: duckdb.DuckDBPyConnection, work: Callable[[], None]) -> None:
    """``work`` in one transaction, run again whole if another writer of a shared lake committed a
    conflicting change first; so ``work`` must be safe to run twice."""
    commit_retried(connection, work)


def ingest_table_source(
    connection: duckdb.DuckDBPyConnection, raw_root: Path, source: Source
) -> IngestReport:
    """Replace ``staging.<source>`` (and its quarantine) from every file under ``raw/<source>/``."""
    started = time.perf_counter()
    report = IngestReport(source.name, "")
    frames = []
    for path in source_files(raw_root / source.name, raw_root):
        frame = read_contract_file(path, source.required, source.optional)
        relative = path.relative_to(raw_root).as_posix()
        report.files.append(FileRead(path, relative, sha256_of(path), frame.height))
        frames.append(normalise(frame, source).with_columns(pl.lit(relative).alias(SOURCE_FILE)))
    incoming = pl.concat(frames, how="vertical") if frames else None

    def load() -> None:
        params = {"source": source.name, "partition_key": ""}
        run_sql(connection, "staging/clear_source.sql", params)
        _record_files(connection, report)
        if incoming is not None:
            run_sql(connection, "staging/resolve_units.sql", frames={"incoming": incoming})
            run_sql(connection, source.rules_sql, params)
        _outcome(connection, report)

    _in_transaction(connection, load)
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True)
class MonthSource:
    """A person-level source delivered as monthly snapshots (``raw/<name>/YYYY-MM/``) and stored as one
    Parquet file per month: the rolls, and the resident register. Ingested by :func:`ingest_month`."""

    source: Source
    normalise: Callable[[pl.LazyFrame], pl.LazyFrame]
    accepted_sql: str  # the judged month's accepted rows, as stored
    record_sql: str  # its ledger rows: key fingerprint, quarantine, rows accepted per file
    forget_sql: str  # drop its ledger rows
    stored_sql: str  # whether anything of it is recorded
    lake_delete_sql: str  # in a lake: delete its rows from staging.<name>_months

    @property
    def name(self) -> str:
        return self.source.name

    def store(self, paths: DataPaths) -> Path:
        return paths.month_store(self.name)


ROLL_MONTHS = MonthSource(
    ROLLS,
    normalise_rolls,
    accepted_sql="staging/accepted_roll_rows.sql",
    record_sql="staging/record_roll_month.sql",
    forget_sql="staging/forget_roll_month.sql",
    stored_sql="staging/roll_month_stored.sql",
    lake_delete_sql="staging/delete_roll_month_rows.sql",
)
RESIDENT_MONTHS = MonthSource(
    RESIDENTS,
    normalise_residents,
    accepted_sql="staging/accepted_resident_rows.sql",
    record_sql="staging/record_resident_month.sql",
    forget_sql="staging/forget_resident_month.sql",
    stored_sql="staging/resident_month_stored.sql",
    lake_delete_sql="staging/delete_resident_month_rows.sql",
)


def ingest_roll_month(
    connection: duckdb.DuckDBPyConnection,
    raw_root: Path,
    partition_key: str,
    progress: Progress | None = None,
    store: Path | None = None,
    key: bytes | None = None,
    rekey: bool = False,
) -> IngestReport:
    """Replace one roll month (``raw/rolls/YYYY-MM/``) in ``staging.rolls``: see :func:`ingest_month`."""
    return ingest_month(connection, raw_root, ROLL_MONTHS, partition_key, progress, store, key, rekey)


def ingest_resident_month(
    connection: duckdb.DuckDBPyConnection,
    raw_root: Path,
    partition_key: str,
    progress: Progress | None = None,
    store: Path | None = None,
    key: bytes | None = None,
    rekey: bool = False,
) -> IngestReport:
    """Replace one register month (``raw/residents/YYYY-MM/``) in ``staging.residents``."""
    return ingest_month(connection, raw_root, RESIDENT_MONTHS, partition_key, progress, store, key, rekey)


def ingest_month(
    connection: duckdb.DuckDBPyConnection,
    raw_root: Path,
    month_source: MonthSource,
    partition_key: str,
    progress: Progress | None = None,
    store: Path | None = None,
    key: bytes | None = None,
    rekey: bool = False,
) -> IngestReport:
    """Replace one month of a person-level source: its Parquet partition in ``store`` (default: the
    data dir's, beside ``raw_root``) and its ledger rows.

    A month without a folder is emptied (the raw side is the truth); a folder without data rows is an
    error. Each file is read by polars; files are normalised and pseudonymised in batches
    (``PENDING_BATCH_ROWS``, a larger file in slices of that size) and written to pending Parquet
    files (memory bounded by a batch, not by the largest file); DuckDB then judges the
    month in a few streaming passes and writes the accepted rows to a new file, which replaces the
    month's partition in the same transaction as its quarantine and ledger rows. A failure leaves
    the previous month in place.

    ``key`` (default: :func:`pipeline.pseudonym.load_key`) must be the key that keyed every stored
    month; otherwise :class:`KeyMismatch` is raised before anything is written, unless ``rekey`` (key
    rotation, which re-ingests every stored month in one run)."""
    started = time.perf_counter()
    source = month_source.source
    report = IngestReport(source.name, partition_key)
    paths = DataPaths(raw_root.parent)
    store = store or month_source.store(paths)
    folder = raw_root / source.name / partition_key
    period = month_end(partition_key)
    partition = month_partition(store, period)
    params = {"source": source.name, "partition_key": partition_key, "period": period}
    files = source_files(folder, raw_root) if folder.is_dir() else []
    in_lake = is_lake(connection)
    if in_lake:
        # The month's rows are registered into the lake's table: it must exist (created once).
        define_month_view(connection, source.name, store)
    if folder.is_dir() and not files:
        raise RawFileError(folder, f"empty snapshot: the {source.name} folder holds no .csv or .parquet file")
    if not folder.is_dir():
        # No delivery for the month: forget whatever an earlier delivery left, and nothing else to do.
        if partition.exists() or run_sql(connection, month_source.stored_sql, params).fetchone()[0]:
            _in_transaction(
                connection,
                lambda: (
                    run_sql(connection, "staging/clear_source.sql", params),
                    run_sql(connection, month_source.forget_sql, params),
                    run_sql(connection, month_source.lake_delete_sql, params)
                    if in_lake
                    else _remove_partition(partition),
                ),
            )
            define_month_view(connection, source.name, store)
        report.seconds = time.perf_counter() - started
        return report
    key = key or load_key(paths)
    params["key_fingerprint"] = fingerprint(key)
    if not rekey:
        check_key(connection, params["key_fingerprint"], paths)
    building = paths.work_dir / f"{source.name}_building" / build_name(partition_key)
    building.mkdir(parents=True)
    # In a DuckDB file, the month's file is written aside and renamed over the month's at commit. In
    # a lake, it is written in the table's partition folder under a name of its own, and registered
    # at commit; until then no query reads it (a killed worker leaves it unregistered, an orphan for
    # ducklake_delete_orphaned_files: docs/deployment.md).
    if in_lake:
        output = partition.parent / f"{build_name(partition_key)}.parquet"
        output.parent.mkdir(parents=True, exist_ok=True)
    else:
        output = building / "accepted.parquet"
    committed = False
    try:
        pending = []
        clock = reported = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            report.stage_seconds[stage] += now - clock
            clock = now

        batch: list[pl.DataFrame] = []
        relatives = [path.relative_to(raw_root).as_posix() for path in files]

        def write_pending() -> None:
            pending.append(building / f"pending-{len(pending) + 1:05d}.parquet")
            # Raw identifiers are replaced by their keyed hashes before anything is written.
            (
                with_person_key(month_source.normalise(pl.concat(batch).lazy()), "person_id", key)
                .drop("person_id")
                .with_columns(
                    pl.col(SOURCE_FILE).replace_strict(
                        range(1, len(relatives) + 1),  # a file's number is its place in files
                        relatives,
                        return_dtype=pl.String,
                    )
                )
                .sink_parquet(pending[-1], compression="lz4")
            )
            batch.clear()
            lap("normalise_pseudonymise")

        for position, path in enumerate(files, start=1):
            relative = relatives[position - 1]
            rows = 0
            # A large file comes in slices of PENDING_BATCH_ROWS: memory is bounded by a batch, not by
            # the largest file (a national month's largest province file took 6.2 GB whole).
            for frame in read_contract_slices(
                path,
                source.required,
                source.optional,
                keep_types=True,
                max_rows=PENDING_BATCH_ROWS,
                spill_dir=building,
            ):
                rows += frame.height
                frame = frame.with_columns(pl.lit(position, dtype=pl.UInt32).alias(SOURCE_FILE))
                lap("read")
                # Normalising costs a fixed part per call: small files of one schema (normalising
                # depends on it) go through together, up to PENDING_BATCH_ROWS.
                if batch and (
                    frame.schema != batch[0].schema
                    or sum(f.height for f in batch) + frame.height > PENDING_BATCH_ROWS
                ):
                    write_pending()
                batch.append(frame)
            report.files.append(FileRead(path, relative, sha256_of(path), rows))
            lap("read")  # the file's hash too
            if progress and (position == len(files) or time.perf_counter() - reported >= PROGRESS_EVERY_S):
                progress(f"{source.name} {partition_key}: read {position}/{len(files)} files ({relative})")
                reported = time.perf_counter()
        write_pending()
        # The month's checks validate with Great Expectations next: imported meanwhile.
        with great_expectations_imported_meanwhile():
            pending_files = [str(p) for p in pending]
            run_sql(connection, "staging/month_code_lookup.sql", {**params, "pending": pending_files})
            run_sql(connection, source.rules_sql, params)
            lap("judge")
            connection.sql(read_sql(month_source.accepted_sql)).to_parquet(str(output), compression="zstd")
        counts = run_sql(connection, "staging/count_month_file.sql", {"output": str(output)}).pl()
        report.remapped_codes = int(counts["remapped"].sum())

        def load() -> None:
            run_sql(connection, "staging/clear_source.sql", params)
            run_sql(connection, month_source.forget_sql, params)
            _record_files(connection, report)
            run_sql(
                connection,
                month_source.record_sql,
                params,
                frames={"accepted_per_file": counts.select("source_file", "accepted")},
            )
            _outcome(connection, report)
            # Last step before the commit: the month's rows and its ledger change together.
            if in_lake:
                # A commit beaten by another worker's runs this again, as a whole.
                run_sql(connection, month_source.lake_delete_sql, params)
                run_sql(
                    connection,
                    "staging/register_month_file.sql",
                    {
                        "lake": lake_name(connection),
                        "table": month_table(source.name),
                        "month_file": str(output),
                    },
                )
            elif output.exists():  # not yet renamed by an attempt whose commit failed
                partition.parent.mkdir(parents=True, exist_ok=True)
                os.replace(output, partition)

        _in_transaction(connection, load)
        committed = True
        lap("store")
    finally:
        run_sql(connection, "staging/drop_month_judging.sql")
        shutil.rmtree(building, ignore_errors=True)
        if in_lake and not committed:
            output.unlink(missing_ok=True)
    define_month_view(connection, source.name, store)
    report.seconds = time.perf_counter() - started
    return report


def check_key(
    connection: duckdb.DuckDBPyConnection, key_fingerprint: str, paths: DataPaths, *, adopt: bool = True
) -> None:
    """Stop before writing when stored roll months were keyed with another key: their person keys
    and the new ones would never match (retention 0, everyone new, everyone stopped, with exit 0).
    With ``adopt``, months stored before fingerprints existed are first given this key's."""
    if adopt:
        run_sql(connection, "staging/adopt_key_fingerprint.sql", {"key_fingerprint": key_fingerprint})
    foreign = run_sql(connection, "staging/months_keyed_otherwise.sql", {"key_fingerprint": key_fingerprint})
    others = foreign.fetchall()
    if others:
        other, months, first, last = others[0]
        raise KeyMismatch(
            f"the pseudonym key in use (fingerprint {key_fingerprint}) is not the one that keyed "
            f"{months} stored month(s) of rolls or registers, {first} … {last} (fingerprint {other}); "
            "nothing was written. "
            f"Run with the key that keyed them ({KEY_ENV} or {key_file(paths)}), or re-key every "
            "stored month with the new one: python -m pipeline rotate-key (docs/ingestion.md)."
        )


def _remove_partition(partition: Path) -> None:
    partition.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        partition.parent.rmdir()


def summarise_quarantine(reports: list[IngestReport]) -> Counter:
    total: Counter = Counter()
    for report in reports:
        total.update(report.quarantined_by_rule)
    return total
