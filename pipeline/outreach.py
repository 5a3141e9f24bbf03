"""Named outreach lists for a commune: ``python -m pipeline outreach`` (docs/outreach.md).

The marts say how many residents a commune still has to reach (``marts.outreach``); the people who do
the work need *who*. Names exist only in the raw register (``raw/residents/YYYY-MM/``): ingestion
never stores them. This module finds the commune's persons in the pseudonymised staging data (the
same definitions as the mart: ``sql/intermediate/int_outreach_people.sql``), then reads the register
rows they came from again (``source_file``, ``source_row``: only the files that hold the commune, so
never a national scan) and checks each row's keyed hash against the stored person key before naming
anyone. The lists are written to ``<data dir>/restricted/outreach/YYYY-MM/<commune>/`` (directories
0700, files 0600), one CSV per village; nothing personal is printed, logged or stored anywhere else.
Every export is recorded, counts only, in ``ref.outreach_exports`` (published with the next run).
"""

from __future__ import annotations

import getpass
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipeline.ingest import PENDING_BATCH_ROWS, RESIDENTS, sha256_of
from pipeline.lock import RunLock
from pipeline.marts import period_parameters
from pipeline.months import MONTH_KEY
from pipeline.pseudonym import KEY_ENV, existing_key, fingerprint, key_file, with_person_key
from pipeline.raw_io import MONTH_SOURCES, ROW_NUMBER, RawFileError, pad_code, read_contract_slices
from pipeline.settings import DataPaths, make_private
from pipeline.warehouse import connect_work, define_month_view, define_tables, run_sql

LISTS = ("not_covered_bhyt", "not_covered_bhxh", "lapsed", "due_to_renew")
ALL_LISTS = "all"
# The register's personal columns: read here, and nowhere else in the pipeline. So is the household
# ID: ingestion never reads it (a keyed hash of it per resident cost a sixth of the register's
# ingestion, for a flag only this command uses, within one commune).
PERSONAL_COLUMNS = ("full_name", "address", "phone")
HOUSEHOLD_ID = "household_id"
READ_AGAIN = (HOUSEHOLD_ID, *PERSONAL_COLUMNS)
# What a person misses, as the list says it (Vietnamese, with English alongside).
MISSING_TEXT = {
    "lapsed": "BHYT đã hết hạn (card lapsed)",
    "not_covered_bhyt": "chưa có BHYT (no health insurance)",
    "not_covered_bhxh": "chưa tham gia BHXH (no social insurance)",
    "due_to_renew": "BHYT sắp hết hạn (card due to renew)",
}
OUTPUT_COLUMNS = (
    "full_name",
    "birth_year",
    "sex",
    "village",
    "address",
    "phone",
    "missing",
    "lists",
    "last_card_end",
    "household_member_covered",
)


class OutreachError(RuntimeError):
    """A request that cannot be served: nothing was written. The message names no person."""


@dataclass(frozen=True)
class Export:
    directory: Path
    files: dict[str, int]  # file name -> persons listed

    @property
    def persons(self) -> int:
        return sum(self.files.values())


def village_file_name(village: str, list_name: str) -> str:
    """An ASCII file name for a village (``Thôn Đông`` -> ``thon-dong.csv``): safe on every file
    system and in a zip sent by e-mail. The list is named unless every list is in the file."""
    plain = unicodedata.normalize("NFD", village.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "village"
    return f"{slug}.csv" if list_name == ALL_LISTS else f"{slug}.{list_name}.csv"


def export_lists(
    paths: DataPaths,
    month: str,
    commune: str,
    village: str | None = None,
    list_name: str = ALL_LISTS,
    progress: Callable[[str], None] = lambda _: None,
) -> Export:
    """Write the named lists of one commune for one month (see the module docstring); raises
    :class:`OutreachError` with nothing written for an unknown commune, a month without a register
    or a roll, a missing key or a key other than the month's."""
    if not MONTH_KEY.match(month):
        raise OutreachError(f"--period {month!r} is not a month (YYYY-MM, e.g. 2025-12)")
    if list_name not in (*LISTS, ALL_LISTS):
        raise OutreachError(f"--list {list_name!r} is not one of {', '.join(LISTS)}")
    commune = pl.select(pad_code(pl.lit(commune.strip()), "commune")).item()
    if not paths.has_working_database:
        raise OutreachError(
            f"no working database at {paths.working_database_name}: run the pipeline first "
            "(python -m pipeline run)"
        )
    key = existing_key(paths)
    if key is None:
        raise OutreachError(
            f"no pseudonym key: set {KEY_ENV} or restore {key_file(paths)} (the key the month was "
            "ingested with); without it nobody can be found again"
        )
    params = {**period_parameters(month), "partition_key": month, "commune_code": commune}
    lock = RunLock(paths.work_dir / "pipeline.lock")
    lock.acquire()
    try:
        with connect_work(paths) as connection:
            define_tables(connection, "staging/create_staging_tables.sql")
            for source in MONTH_SOURCES:
                define_month_view(connection, source, paths.month_store(source))
            residents, villages = _find_residents(connection, params, key, village)
            progress(f"{residents.height:,} residents of commune {commune}; reading their register rows")
            people = _in_list(_name(paths, connection, month, residents, key), villages, list_name)
            export = _plan(paths, month, commune, people, villages, list_name)
            # Recorded before the files are written: names have been read, so an export that fails
            # midway (a full disk) is still in the audit, never the other way round.
            run_sql(connection, "reference/outreach_exports.sql")
            run_sql(
                connection,
                "outreach/record_export.sql",
                {
                    "period": params["period"],
                    "commune_code": commune,
                    "village": village,
                    "list": list_name,
                    "villages": len(export.files),
                    "persons": export.persons,
                    "os_user": getpass.getuser(),
                    "output_dir": export.directory.relative_to(paths.root).as_posix(),
                    "key_fingerprint": fingerprint(key),
                },
            )
            _write(paths, export, people, villages, list_name, every_village=village is None)
    finally:
        lock.release()
    return export


def _find_residents(
    connection: duckdb.DuckDBPyConnection, params: dict, key: bytes, village: str | None
) -> tuple[pl.DataFrame, list[str]]:
    """The commune's residents with what they miss (pseudonymised), and the villages to write a file
    for; first whether the request can be served at all (``key``: the one in use)."""
    month, commune = params["partition_key"], params["commune_code"]
    register_key, roll_key, commune_name, residents = run_sql(
        connection, "outreach/month_state.sql", params
    ).fetchone()
    if register_key is None:
        raise OutreachError(f"no resident register stored for {month} (raw/residents/{month}/, then run)")
    if roll_key is None:
        raise OutreachError(f"no roll stored for {month} (raw/rolls/{month}/, then run)")
    if {register_key, roll_key} != {fingerprint(key)}:
        raise OutreachError(
            f"the pseudonym key in use (fingerprint {fingerprint(key)}) is not the one {month} was "
            f"ingested with (register {register_key}, roll {roll_key}): nothing was written"
        )
    if commune_name is None:
        raise OutreachError(
            f"unknown commune {commune}: not a commune of the units in force on {params['period']}"
        )
    if residents == 0:
        raise OutreachError(f"the register of {month} has no resident of commune {commune} ({commune_name})")
    run_sql(connection, "outreach/commune_rolls.sql", params)
    run_sql(connection, "intermediate/int_outreach_people.sql", params)
    run_sql(connection, "outreach/commune_people.sql")
    villages = [name for (name,) in run_sql(connection, "outreach/villages.sql").fetchall()]
    if village is not None:
        village = unicodedata.normalize("NFC", " ".join(village.split()))
        if village not in villages:
            raise OutreachError(
                f"commune {commune} has no village named {village!r} in the register of {month} "
                f"({len(villages)} villages: see marts.outreach)"
            )
        villages = [village]
    return connection.table("outreach_commune_people").pl(), villages


def _name(
    paths: DataPaths, connection: duckdb.DuckDBPyConnection, month: str, people: pl.DataFrame, key: bytes
) -> pl.DataFrame:
    """The persons with their names, addresses, phones and household IDs, read again from the raw
    register rows they came from. A raw file that changed since it was ingested is refused (its rows
    may be other people)."""
    ledger = dict(run_sql(connection, "outreach/register_files.sql", {"partition_key": month}).fetchall())
    named = []
    for source_file, rows in people.group_by("source_file", maintain_order=True):
        relative = source_file[0]
        path = paths.raw / relative
        if not path.is_file() or sha256_of(path) != ledger.get(relative):
            raise OutreachError(
                f"raw/{relative} is gone or changed since {month} was ingested: run the pipeline for "
                f"{month} first (python -m pipeline run --period {month}); nothing was written"
            )
        # A slice of the file at a time, keeping the rows asked for: a national register file is
        # never held whole (its CSV copy, if any, sits in the private working folder until read).
        asked = rows.select(pl.col("source_row").alias(ROW_NUMBER))
        try:
            kept = [
                raw.join(asked, on=ROW_NUMBER)
                for raw in read_contract_slices(
                    path,
                    RESIDENTS.required,
                    (*RESIDENTS.optional, *READ_AGAIN),
                    max_rows=PENDING_BATCH_ROWS,
                    spill_dir=paths.work_dir / "outreach_building",
                )
            ]
        except RawFileError as error:
            raise OutreachError(str(error)) from None
        wanted = with_person_key(pl.concat(kept), "person_id", key)
        same = rows.join(
            wanted.select(pl.col(ROW_NUMBER).alias("source_row"), "person_key_hi", "person_key_lo"),
            on=["source_row", "person_key_hi", "person_key_lo"],
        )
        if same.height != rows.height:
            raise OutreachError(
                f"raw/{relative} does not hold the persons ingested from it: run the pipeline for {month} "
                "first; nothing was written"
            )
        named.append(
            rows.join(wanted.select(pl.col(ROW_NUMBER).alias("source_row"), *READ_AGAIN), on="source_row")
        )
    return (
        pl.concat(named)
        if named
        else people.with_columns(*(pl.lit(None, pl.String).alias(c) for c in READ_AGAIN))
    )


def _in_list(named: pl.DataFrame, villages: list[str], list_name: str) -> pl.DataFrame:
    """The residents of ``villages`` in the list asked for, each with whether someone of their
    household (the register's optional household_id) has active BHYT: null without a household ID."""
    household_covered = pl.when(pl.col(HOUSEHOLD_ID).is_not_null()).then(
        pl.col("has_bhyt").any().over(HOUSEHOLD_ID)
    )
    in_list = (
        pl.col(list_name)
        if list_name != ALL_LISTS
        else pl.col("not_covered_bhyt") | pl.col("not_covered_bhxh") | pl.col("due_to_renew")
    )
    return (
        named.with_columns(household_covered=household_covered)
        .filter(in_list, pl.col("village").is_in(villages))
        .drop(HOUSEHOLD_ID)
    )


def _ordered(people: pl.DataFrame) -> pl.DataFrame:
    """Easiest to bring back first: cards lapsed, the most recent first; then members of a household
    where someone is covered; then the youngest (children's cards cost the least, and under-6s are
    free); then by name."""
    return people.sort(
        ["lapsed", "last_card_end", "household_covered", "birth_year", "full_name"],
        descending=[True, True, True, True, False],
        nulls_last=True,
    )


def _list_row_text(people: pl.DataFrame) -> pl.DataFrame:
    # A lapsed card says more than "no BHYT": the person is listed once, as lapsed.
    missing = pl.concat_list(
        [
            pl.when(pl.col(flag) & ~(pl.lit(flag == "not_covered_bhyt") & pl.col("lapsed"))).then(
                pl.lit(text)
            )
            for flag, text in MISSING_TEXT.items()
        ]
    ).list.drop_nulls()
    lists = pl.concat_list([pl.when(pl.col(flag)).then(pl.lit(flag)) for flag in LISTS]).list.drop_nulls()
    return people.select(
        "full_name",
        "birth_year",
        pl.col("sex").replace_strict({"M": "Nam", "F": "Nữ"}, default=None),
        "village",
        "address",
        "phone",
        missing.list.join("; ").alias("missing"),
        lists.list.join(";").alias("lists"),
        pl.col("last_card_end").dt.strftime("%d/%m/%Y"),
        pl.col("household_covered")
        .replace_strict({True: "có", False: "không"}, default=None)
        .alias("household_member_covered"),
    )


def _plan(
    paths: DataPaths, month: str, commune: str, people: pl.DataFrame, villages: list[str], list_name: str
) -> Export:
    """Where the lists go and how many persons each file lists: one file per village, also when nobody
    of it is listed (a village's earlier list must not stay behind)."""
    listed = dict(people.group_by("village").len().iter_rows())
    files = {village_file_name(village, list_name): listed.get(village, 0) for village in villages}
    return Export(paths.restricted / "outreach" / month / commune, files)


def _write(
    paths: DataPaths,
    export: Export,
    people: pl.DataFrame,
    villages: list[str],
    list_name: str,
    every_village: bool,
) -> None:
    """The files of ``export``, in UTF-8 with a byte-order mark so that spreadsheet programs show the
    diacritics; each written to a private temporary file and renamed into place. Exporting every
    village also removes that list's files of villages the register no longer has."""
    directory = export.directory
    for folder in (paths.restricted, paths.restricted / "outreach", directory.parent, directory):
        make_private(folder)
    ordered = _ordered(people)
    for village in villages:
        group = ordered.filter(pl.col("village") == village)
        name = village_file_name(village, list_name)
        target = directory / name
        pending = directory / f".{name}.{os.getpid()}.tmp"
        descriptor = os.open(pending, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write("\ufeff".encode())
                _list_row_text(group).write_csv(handle)
            os.chmod(pending, 0o600)
            os.replace(pending, target)
        finally:
            pending.unlink(missing_ok=True)
    if every_village:
        same_list = re.compile(
            r"^[a-z0-9-]+\.csv$" if list_name == ALL_LISTS else rf"^[a-z0-9-]+\.{list_name}\.csv$"
        )
        for leftover in directory.iterdir():
            if same_list.match(leftover.name) and leftover.name not in export.files:
                leftover.unlink()
