"""Reading files of the raw contract (``docs/contracts/raw-data.md``).

Every source shares the same rules: files found recursively (hidden ones ignored, other types
reported), UTF-8 with an optional BOM, snake_case columns matched case-insensitively after trimming,
codes left-padded to their level's width, text in NFC, dates in ISO or ``DD/MM/YYYY``. Problems that
make a whole file unusable raise :class:`RawFileError` naming the file (and row/column when known).
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipeline.months import MONTH_KEY
from pipeline.settings import CODE_WIDTH

DATA_SUFFIXES = (".csv", ".parquet")
ROW_NUMBER = "source_row"  # 1-based data row (the header is not counted)
_UTF8_CHUNK = 16 * 1024 * 1024


class RawFileError(ValueError):
    """A raw file that cannot be used at all. The message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str, *, row: int | None = None, column: str | None = None):
        self.path, self.problem, self.row, self.column = Path(path), problem, row, column
        where = str(path)
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {problem}")


@dataclass
class SourceListing:
    """The files of one source folder: data files to read, and anything else (reported, not read)."""

    files: list[Path] = field(default_factory=list)
    unexpected: list[Path] = field(default_factory=list)


def list_source_files(folder: Path) -> SourceListing:
    """All ``.csv``/``.parquet`` files under ``folder`` (recursively, hidden paths skipped), sorted.
    Symbolic links are not followed (they are reported by :func:`survey_raw`): a link can point outside
    the delivery, or nowhere, and what a run read must be what the folder holds."""
    listing = SourceListing()
    if not folder.is_dir() or folder.is_symlink():
        return listing
    for root, directories, names in os.walk(folder):
        directories[:] = [d for d in directories if not d.startswith(".") and not Path(root, d).is_symlink()]
        for name in names:
            path = Path(root, name)
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            if path.suffix.lower() in DATA_SUFFIXES:
                listing.files.append(path)
            else:
                listing.unexpected.append(path)
    listing.files.sort()
    listing.unexpected.sort()
    return listing


def check_utf8(path: Path) -> None:
    """Reject a file that is not valid UTF-8, naming the first bad byte offset. Reads in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_UTF8_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise RawFileError(
                    path, f"not valid UTF-8: first bad byte at offset {offset + error.start}"
                ) from None
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise RawFileError(path, f"not valid UTF-8: truncated character at offset {offset}") from None


def canonical_column(name: str) -> str:
    """Column names match case-insensitively after trimming spaces (a BOM is not part of a name)."""
    return name.replace("\ufeff", "").strip().lower()


# Parquet column types a reader may keep as they are (``keep_types``): a typed date or integer is
# always a valid one, so there is nothing to parse and no raw text to keep.
KEEPABLE_TYPES = (pl.Date, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)
# Columns whose values are identifiers written as digits: a number type has already lost the leading
# zeros (one ID in eight changes), so such a file is refused rather than guessed at.
TEXT_ONLY_COLUMNS = ("person_id",)
# How polars names the second occurrence of a header name it has already seen.
_POLARS_DUPLICATE = re.compile(r"^(?P<name>.*)_duplicated_\d+$")


# Every cell as text, nothing skipped: blank lines stay (as rows of nulls) so that row numbers count them.
CSV_OPTIONS = {
    "infer_schema": False,
    "encoding": "utf8",
    "raise_if_empty": False,
    "truncate_ragged_lines": False,
}


def read_contract_file(
    path: Path, required: Sequence[str], optional: Sequence[str] = (), *, keep_types: bool = False
) -> pl.DataFrame:
    """One CSV or Parquet file of the raw contract: its contract columns as trimmed strings (empty
    values and missing optional columns as nulls), plus the 1-based data row number. Extra columns
    are dropped here and never travel further. With ``keep_types``, Parquet dates and integers keep
    their type (the caller must accept both). A CSV line with no value at all (blank) is not a row;
    row numbers still count it, so row N is line N + 1 of the file.

    Raises :class:`RawFileError` naming the file (and row, column) for an empty file, invalid UTF-8, a
    CSV that cannot be parsed, an unreadable Parquet file, a column given twice, a missing required
    column, an identifier stored as a number, or a file without data rows. No message quotes a value
    of the file: a header row may be missing, and then the "column names" are a person's data."""
    wanted = [*required, *optional]
    if path.stat().st_size == 0:
        raise RawFileError(path, "is empty (0 bytes)")
    if path.suffix.lower() != ".csv":
        return next(_parquet_slices(path, required, wanted, keep_types=keep_types, max_rows=None))
    check_utf8(path)
    check_csv_header(path)
    try:
        frame = pl.read_csv(path, **CSV_OPTIONS)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
        raise _unparsable_csv(path) from None
    return _contract_frame(path, frame, required, wanted, keep_types=keep_types)


def read_contract_slices(
    path: Path,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    keep_types: bool = False,
    max_rows: int,
    spill_dir: Path,
) -> Iterator[pl.DataFrame]:
    """:func:`read_contract_file` in consecutive slices of at most ``max_rows`` rows, same columns,
    checks and row numbers, so memory is bounded by the slice, not by the largest file. A Parquet
    file is read a slice at a time (only the row groups a slice needs are decoded). A CSV file larger
    than a slice is first streamed into a Parquet copy in ``spill_dir`` (removed afterwards), then read
    the same way; a smaller one comes whole."""
    wanted = [*required, *optional]
    if path.stat().st_size == 0 or (path.suffix.lower() == ".csv" and not _csv_longer_than(path, max_rows)):
        yield read_contract_file(path, required, optional, keep_types=keep_types)
    elif path.suffix.lower() != ".csv":
        yield from _parquet_slices(path, required, wanted, keep_types=keep_types, max_rows=max_rows)
    else:
        check_utf8(path)
        check_csv_header(path)
        spill_dir.mkdir(parents=True, exist_ok=True)
        # The pid in the name: a killed process's copy is removed by warehouse.remove_stale_builds.
        with tempfile.TemporaryDirectory(dir=spill_dir, prefix=f"csv.{os.getpid()}.") as folder:
            copy = Path(folder) / "csv.parquet"
            try:
                pl.scan_csv(path, **CSV_OPTIONS).sink_parquet(copy, compression="lz4")
            except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
                raise _unparsable_csv(path) from None
            yield from _parquet_slices(
                path, required, wanted, keep_types=keep_types, max_rows=max_rows, read_from=copy
            )


def _csv_longer_than(path: Path, rows: int) -> bool:
    """Whether the CSV file has more than ``rows`` rows (blank lines included), from polars' fast line
    count. A file it cannot count is read whole, where its problem is reported."""
    try:
        return pl.scan_csv(path, **CSV_OPTIONS).select(pl.len()).collect().item() > rows
    except Exception:  # polars raises several types; read_contract_file names the problem
        return False


def _unparsable_csv(path: Path) -> RawFileError:
    # The parser's own message quotes the offending text: locate the problem ourselves.
    row, problem = locate_csv_problem(path)
    return RawFileError(path, f"cannot be parsed as CSV: {problem}", row=row)


def _parquet_slices(
    path: Path,
    required: Sequence[str],
    wanted: Sequence[str],
    *,
    keep_types: bool,
    max_rows: int | None,
    read_from: Path | None = None,
) -> Iterator[pl.DataFrame]:
    """The contract frames of Parquet file ``path``, ``max_rows`` rows at a time (None: the whole file
    at once). ``read_from``: the Parquet copy of CSV file ``path``, which messages still name."""
    try:
        scan = pl.scan_parquet(read_from or path)
        # Only the contract's columns: names, IDs and anything else are never even loaded.
        scan = scan.select([c for c in scan.collect_schema() if canonical_column(c) in wanted])
        rows = scan.select(pl.len()).collect().item() if max_rows else 0
    except Exception as error:  # polars raises several types for corrupt files
        raise _unreadable_parquet(path, error) from None
    for offset in range(0, max(rows, 1), max_rows or 1):  # no rows: one empty slice, refused
        try:
            frame = (scan.slice(offset, max_rows) if max_rows else scan).collect()
        except Exception as error:
            raise _unreadable_parquet(path, error) from None
        yield _contract_frame(path, frame, required, wanted, keep_types=keep_types, first_row=offset + 1)


def _unreadable_parquet(path: Path, error: Exception) -> RawFileError:
    return RawFileError(path, f"unreadable Parquet file ({type(error).__name__}: not Parquet, or damaged)")


def _contract_frame(
    path: Path,
    frame: pl.DataFrame,
    required: Sequence[str],
    wanted: Sequence[str],
    *,
    keep_types: bool,
    first_row: int = 1,
) -> pl.DataFrame:
    """The contract's columns of ``frame`` (rows ``first_row``… of ``path``), checked and numbered."""
    by_name: dict[str, str] = {}
    repeated: list[str] = []
    for column in frame.columns:
        duplicate = _POLARS_DUPLICATE.match(column)
        is_copy = duplicate is not None and duplicate["name"] in frame.columns
        canonical = canonical_column(duplicate["name"] if is_copy else column)
        if canonical in by_name:
            repeated.append(canonical)
        else:
            by_name[canonical] = column
    missing = [name for name in required if name not in by_name]
    if missing:
        raise RawFileError(path, _missing_columns_problem(frame.columns, wanted), column=missing[0])
    if repeated:
        # Only contract names are shown; another repeated name could be a value.
        shown = next((name for name in repeated if name in wanted), None)
        raise RawFileError(path, "column given twice", column=shown)
    for name in TEXT_ONLY_COLUMNS:
        if name in by_name and frame.schema[by_name[name]] not in (pl.String, pl.Categorical, pl.Null):
            raise RawFileError(
                path,
                f"stored as {frame.schema[by_name[name]]}: identifiers must be text (a number has lost "
                "their leading zeros); write the column as strings",
                column=name,
            )
    numbered = frame.with_columns(
        pl.int_range(first_row, first_row + pl.len(), dtype=pl.Int64).alias(ROW_NUMBER)
    )
    if path.suffix.lower() == ".csv":
        numbered = numbered.filter(~pl.all_horizontal(pl.exclude(ROW_NUMBER).is_null()))
    if numbered.height == 0:
        raise RawFileError(path, "has no data rows")

    def contract_column(name: str) -> pl.Expr:
        if name not in by_name:
            return pl.lit(None, dtype=pl.String).alias(name)
        column = pl.col(by_name[name])
        if keep_types and frame.schema[by_name[name]] in KEEPABLE_TYPES:
            return column.alias(name)
        return column.cast(pl.String).str.strip_chars().replace("", None).alias(name)

    return numbered.select(ROW_NUMBER, *[contract_column(name) for name in wanted])


def _missing_columns_problem(found: Sequence[str], wanted: Sequence[str]) -> str:
    """Which contract columns the header has, never the other names: without a header row, the "names"
    are the first row's values."""
    known = [canonical_column(c) for c in found if canonical_column(c) in wanted]
    others = len(found) - len(known)
    listed = ", ".join(known) if known else "none of the contract's columns"
    hint = "; is the header row missing?" if not known else ""
    return f"required column missing (the header has {listed}, and {others} other column(s), not shown){hint}"


# A header is one line of a few dozen names. A file whose first line is megabytes long or has
# thousands of fields is not a contract CSV (and polars takes minutes over 30,000 columns): refused early.
MAX_HEADER_BYTES = 1024 * 1024
MAX_COLUMNS = 1000


def check_csv_header(path: Path) -> None:
    """Refuse, quickly and without quoting it, a first line that cannot be a header."""
    with path.open("rb") as handle:
        head = handle.read(MAX_HEADER_BYTES + 1)
    line, newline, _ = head.partition(b"\n")
    if not newline and len(head) > MAX_HEADER_BYTES:
        raise RawFileError(
            path, f"no line break in the first {MAX_HEADER_BYTES:,} bytes: not a CSV with a header row"
        )
    fields = next(csv.reader([line.decode("utf-8", "replace")]), [])
    if len(fields) > MAX_COLUMNS:
        raise RawFileError(
            path,
            f"the first line has {len(fields):,} fields (at most {MAX_COLUMNS:,}): is it a header row?",
        )


# Longest field the diagnosis reads before calling the file "not really a CSV".
_MAX_FIELD = 1024 * 1024


def locate_csv_problem(path: Path) -> tuple[int | None, str]:
    """The first data row (1-based) a CSV reader cannot take, and why, without quoting its content."""
    csv.field_size_limit(_MAX_FIELD)
    record = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, [])
            for fields in reader:
                record += 1
                if fields and len(fields) != len(header):
                    return record, f"{len(fields)} fields where the header has {len(header)}"
    except csv.Error as error:
        text = str(error)
        if "field larger than field limit" in text:
            return record + 1, f"a field longer than {_MAX_FIELD:,} characters (is it really a CSV?)"
        return record + 1, "a quote that is not closed, or text right after a closing quote"
    return None, "the CSV reader refused it (its message is not shown: it quotes the file's content)"


def pad_code(column: str | pl.Expr, level: str | pl.Expr) -> pl.Expr:
    """Left-pad a numeric code that lost its leading zeros to its level's width (``VN`` untouched)."""
    code = (pl.col(column) if isinstance(column, str) else column).str.strip_chars()
    level_expr = pl.lit(level) if isinstance(level, str) else level
    width = level_expr.replace_strict(CODE_WIDTH, default=None, return_dtype=pl.Int64)
    is_digits = code.str.contains(r"^\d+$")
    return pl.when(is_digits & width.is_not_null()).then(code.str.zfill(width)).otherwise(code)


def nfc(column: str | pl.Expr) -> pl.Expr:
    """Vietnamese text arrives composed and decomposed; everything past ingestion is NFC."""
    return (pl.col(column) if isinstance(column, str) else column).str.strip_chars().str.normalize("NFC")


def parse_date(column: str | pl.Expr) -> pl.Expr:
    """ISO ``YYYY-MM-DD`` or ``DD/MM/YYYY``, four-digit years only; anything else becomes null (callers
    decide what that means). A two-digit year (``31/05/25``) would otherwise be read as year 25."""
    text = (pl.col(column) if isinstance(column, str) else column).str.strip_chars()
    return pl.coalesce(
        pl.when(text.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$")).then(
            text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        ),
        pl.when(text.str.contains(r"^\d{1,2}/\d{1,2}/\d{4}$")).then(
            text.str.strptime(pl.Date, "%d/%m/%Y", strict=False)
        ),
    )


# ---------------------------------------------------------------------------------------------
# What is under raw/ and will not be read
# ---------------------------------------------------------------------------------------------

# Sources delivered as one folder per month (raw/<source>/YYYY-MM/); the others are one folder each.
MONTH_SOURCES = ("rolls", "residents")
SOURCE_FOLDERS = (*MONTH_SOURCES, "aggregates", "population", "labour_force", "targets", "plans", "reference")
# The sample-data generator's label and its defect manifest (docs/generator.md): known, and not data.
GENERATOR_FILES = ("GENERATED.json", "defects_manifest.csv")
NOT_FOLLOWED = "symbolic link: not followed (copy the files in)"


@dataclass(frozen=True)
class Unread:
    """A path under raw/ that no run reads, and why (paths only: never a file's content)."""

    path: str  # relative to raw/, POSIX
    reason: str


def survey_raw(raw: Path, first_month: str, last_month: str) -> list[Unread]:
    """Every file and folder under ``raw/`` that ingestion will not read: folders that are not a source
    (``Population/``, ``labour-force/``), files outside a source folder, roll or register folders that
    are not a month (``2025-8``, ``2026-13``) or are outside ``first_month`` … ``last_month``, files
    directly in ``rolls/`` or ``residents/``, and symbolic links anywhere (never followed). Hidden paths
    are ignored, as the contract says. Other file types inside a source folder are not listed:
    ingestion refuses them."""
    found: list[Unread] = []
    if not raw.is_dir():
        return found

    def note(path: Path, reason: str) -> None:
        found.append(Unread(path.relative_to(raw).as_posix(), reason))

    def visible(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if not p.name.startswith("."))

    def links_within(folder: Path) -> None:
        for root, directories, names in os.walk(folder):
            for name in [*directories, *names]:
                path = Path(root, name)
                if not name.startswith(".") and path.is_symlink():
                    note(path, NOT_FOLLOWED)
            directories[:] = [
                d for d in directories if not d.startswith(".") and not Path(root, d).is_symlink()
            ]

    for entry in visible(raw):
        if entry.is_symlink():
            note(entry, NOT_FOLLOWED)
        elif not entry.is_dir():
            if entry.name not in GENERATOR_FILES:
                note(entry, "file outside a source folder")
        elif entry.name not in SOURCE_FOLDERS:
            spelled = entry.name.strip().lower().replace("-", "_").replace(" ", "_")
            hint = (
                f"did you mean {spelled}/?" if spelled in SOURCE_FOLDERS else "not a source of the contract"
            )
            note(entry, f"unknown folder: {hint}")
        elif entry.name not in MONTH_SOURCES:
            links_within(entry)
        else:
            for month in visible(entry):
                if month.is_symlink():
                    note(month, NOT_FOLLOWED)
                elif not month.is_dir():
                    note(month, f"file outside a month folder ({entry.name}/YYYY-MM/)")
                elif not MONTH_KEY.match(month.name):
                    note(month, f"not a month folder ({entry.name}/YYYY-MM/, e.g. 2025-08)")
                elif month.name > last_month:
                    note(month, f"future month: partitions end at {last_month}")
                elif month.name < first_month:
                    note(month, f"before the first month of the history, {first_month}")
                else:
                    links_within(month)
    return found
