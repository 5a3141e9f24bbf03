"""Reading files of the raw contract (``../shared/contracts/raw-data.md``).

Every source shares the same rules: files found recursively (hidden ones ignored, other types
reported), UTF-8 with an optional BOM, snake_case columns matched case-insensitively after trimming,
codes left-padded to their level's width, text in NFC, dates in ISO or ``DD/MM/YYYY``. Problems that
make a whole file unusable raise :class:`RawFileError` naming the file (and row/column when known).
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

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
    """All ``.csv``/``.parquet`` files under ``folder`` (recursively, hidden paths skipped), sorted."""
    listing = SourceListing()
    if not folder.is_dir():
        return listing
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() in DATA_SUFFIXES:
            listing.files.append(path)
        else:
            listing.unexpected.append(path)
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


def read_contract_file(
    path: Path, required: Sequence[str], optional: Sequence[str] = (), *, keep_types: bool = False
) -> pl.DataFrame:
    """One CSV or Parquet file of the raw contract: its contract columns as trimmed strings (empty
    values and missing optional columns as nulls), plus the 1-based data row number. Extra columns
    are dropped here and never travel further. With ``keep_types``, Parquet dates and integers keep
    their type (the caller must accept both).

    Raises :class:`RawFileError` naming the file (and column) for an empty file, invalid UTF-8, a CSV
    that cannot be parsed, an unreadable Parquet file, a column given twice, a missing required column,
    or a file without data rows."""
    wanted = [*required, *optional]
    if path.stat().st_size == 0:
        raise RawFileError(path, "is empty (0 bytes)")
    if path.suffix.lower() == ".csv":
        check_utf8(path)
        try:
            frame = pl.read_csv(
                path, infer_schema=False, encoding="utf8", raise_if_empty=False, truncate_ragged_lines=False
            )
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
            raise RawFileError(path, f"cannot be parsed as CSV ({_first_line(error)})") from None
    else:
        try:
            # Only the contract's columns: names, IDs and anything else are never even loaded.
            present = [c for c in pl.read_parquet_schema(path) if canonical_column(c) in wanted]
            frame = pl.read_parquet(path, columns=present)
        except Exception as error:  # polars raises several types for corrupt files
            raise RawFileError(path, f"unreadable Parquet file ({_first_line(error)})") from None
    by_name: dict[str, str] = {}
    for column in frame.columns:
        canonical = canonical_column(column)
        if canonical in by_name:
            raise RawFileError(path, "column given twice", column=canonical)
        by_name[canonical] = column
    missing = [name for name in required if name not in by_name]
    if missing:
        raise RawFileError(
            path, f"required column missing (found: {', '.join(frame.columns)})", column=missing[0]
        )
    if frame.height == 0:
        raise RawFileError(path, "has no data rows")
    def contract_column(name: str) -> pl.Expr:
        if name not in by_name:
            return pl.lit(None, dtype=pl.String).alias(name)
        column = pl.col(by_name[name])
        if keep_types and frame.schema[by_name[name]] in KEEPABLE_TYPES:
            return column.alias(name)
        return column.cast(pl.String).str.strip_chars().replace("", None).alias(name)

    return frame.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW_NUMBER),
        *[contract_column(name) for name in wanted],
    )


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


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
    """ISO ``YYYY-MM-DD`` or ``DD/MM/YYYY``; anything else becomes null (callers decide what that means)."""
    text = (pl.col(column) if isinstance(column, str) else column).str.strip_chars()
    return pl.coalesce(
        text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        text.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
    )
