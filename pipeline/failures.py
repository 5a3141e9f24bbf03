"""Failures of the machine rather than of the data: a full disk, a permission refused, a read-only
filesystem. They are what an operator can fix, so the CLI names them first, in plain words, instead of
leaving "No space left on device" at the bottom of a chained traceback.

The same condition reaches us in several shapes: a Python ``OSError`` with its errno, a DuckDB error
whose text ends with the C library's ``strerror`` (``Could not write file "…": No space left on
device``), a Rust error from polars (``… (os error 28)``), and, at the CLI, Dagster's serialised copy of
any of these (message text only, with the causes that led to it). Everything here works from the errno
where there is one and from the text otherwise. No Dagster here: the runner hands us its error infos.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Condition:
    summary: str  # what happened, as the message says it
    verb: str  # how the path is introduced: "while writing" or "on"
    advice: str  # what the operator does about it; {folder} is where the files live
    errnos: tuple[int, ...]


DISK_FULL = Condition(
    "no space left on device", "while writing", "free space under {folder}", (errno.ENOSPC,)
)
QUOTA_EXCEEDED = Condition(
    "disk quota exceeded", "while writing", "free space or raise the quota under {folder}", (errno.EDQUOT,)
)
# What RLIMIT_FSIZE (``ulimit -f``) or a filesystem's maximum file size gives instead of ENOSPC.
FILE_TOO_LARGE = Condition(
    "file too large",
    "while writing",
    "raise the file size limit (ulimit -f) or move {folder} to a filesystem that allows bigger files",
    (errno.EFBIG,),
)
PERMISSION_DENIED = Condition(
    "permission denied",
    "on",
    "give the user running the pipeline read and write access under {folder}",
    (errno.EACCES, errno.EPERM),
)
READ_ONLY = Condition(
    "read-only file system",
    "while writing",
    "remount it read-write or set PIPELINE_DATA_DIR to a writable directory",
    (errno.EROFS,),
)
CONDITIONS = (DISK_FULL, QUOTA_EXCEEDED, FILE_TOO_LARGE, PERMISSION_DENIED, READ_ONLY)

# A published warehouse is only replaced by the last rename of a successful build: whatever fails
# before it leaves the file analysts read as it was.
UNCHANGED = "the published warehouse is unchanged"

# "[Errno 28]" (Python) and "(os error 28)" (Rust, i.e. polars) carry the errno itself.
_ERRNO = re.compile(r"\[Errno (\d+)\]|\(os error (\d+)\)")
# DuckDB quotes the file: Could not write file "…": …, Cannot open file "…": …
_DUCKDB_PATH = re.compile(r'file "([^"]+)"', re.IGNORECASE)
# Python: [Errno 13] Permission denied: '/a' (-> '/b' for a rename: the destination is the one meant).
_PYTHON_PATH = re.compile(r"\[Errno \d+\] [^:\n]+: '([^'\n]+)'(?: -> '([^'\n]+)')?")


@dataclass(frozen=True)
class OsFailure:
    condition: Condition
    path: str | None  # the file being written, when the error named it
    in_duckdb: bool  # raised by DuckDB: without a path, it was the working database

    def message(self, data_dir: Path) -> str:
        """One line for the operator: what happened, where, what to do (no data values, only paths)."""
        folder = data_dir
        if self.path is not None and not _is_under(Path(self.path), data_dir):
            folder = Path(self.path).parent  # e.g. Dagster's own storage, or a temp directory
        return (
            f"{self.condition.summary} {self.condition.verb} {self._where(data_dir)}; "
            f"{self.condition.advice.format(folder=folder)} and re-run ({UNCHANGED})"
        )

    def _where(self, data_dir: Path) -> str:
        if self.path is None:
            return "the working database" if self.in_duckdb else "a file (its path was not reported)"
        name = Path(self.path).name
        if name.startswith("pipeline.duckdb"):  # the database itself or its .wal
            return f"the working database ({self.path})"
        if name.endswith(".building") or ".building." in name:
            return f"the new warehouse file ({self.path})"
        return self.path


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _condition_of(code: int | None, text: str) -> Condition | None:
    codes = [code] if code is not None else []
    codes += [int(a or b) for a, b in _ERRNO.findall(text)]
    for condition in CONDITIONS:
        if any(number in condition.errnos for number in codes):
            return condition
    lowered = text.lower()
    for condition in CONDITIONS:
        # os.strerror gives the C library's words, the ones DuckDB writes after the file name.
        if any(os.strerror(number).lower() in lowered for number in condition.errnos):
            return condition
    return None


def _path_in(text: str) -> str | None:
    if match := _DUCKDB_PATH.search(text):
        return match.group(1)
    if match := _PYTHON_PATH.search(text):
        return match.group(2) or match.group(1)
    return None


def _links(error: object) -> list[object]:
    """The errors behind ``error``: an exception's ``__cause__``/``__context__``, or a serialised
    error info's ``cause``/``context`` (a rollback that failed after a failed commit has the
    original as its context)."""
    if isinstance(error, BaseException):
        return [e for e in (error.__cause__, error.__context__) if e is not None]
    return [e for e in (getattr(error, "cause", None), getattr(error, "context", None)) if e is not None]


def find_os_failure(error: object) -> OsFailure | None:
    """The first disk-full / permission / read-only condition in ``error`` or the errors behind it.
    ``error`` is an exception or a Dagster ``SerializableErrorInfo`` (anything with ``message``,
    ``cls_name``, ``cause`` and ``context``)."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, BaseException):
            code = current.errno if isinstance(current, OSError) else None
            text = str(current)
            cls_module = type(current).__module__
            explicit = getattr(current, "filename2", None) or getattr(current, "filename", None)
        else:
            code, text = None, str(getattr(current, "message", "") or "")
            # Dagster keeps the class name only; DuckDB's classes are named …Exception, Python's …Error.
            cls_module = "duckdb" if str(getattr(current, "cls_name", "")).endswith("Exception") else ""
            explicit = None
        condition = _condition_of(code, text)
        if condition is not None:
            path = os.fsdecode(explicit) if isinstance(explicit, str | bytes) else _path_in(text)
            return OsFailure(condition, path, in_duckdb="duckdb" in cls_module)
        pending.extend(_links(current))
    return None
