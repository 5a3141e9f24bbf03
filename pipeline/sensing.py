"""What changed under raw/, for the file sensor: functions over the file system, a cursor, and the
record of what the pipeline last published.

Files are grouped the way the pipeline consumes them: one group per roll or register month
(``rolls/YYYY-MM``, ``residents/YYYY-MM``) and one per other source folder (``aggregates``,
``population``, ``labour_force``, ``targets``, ``plans``, ``reference``). Each tick:

- A group is *stable* when its listing (paths, sizes, modification times) is the same on two
  consecutive ticks, which skips files still being written.
- A stable group's content hash (:func:`content_hash`: the SHA-256 of each file, combined with the
  paths) is computed only when its listing differs from the listing last hashed, kept in the cursor:
  an unchanged history costs one ``stat`` per file per tick, not a read of every byte.
- A stable group whose content differs from the content last requested is a change; a group that
  disappeared is a change too (a removed roll month must be emptied).
- The first time the cursor meets a group (a new or reset cursor, ``make dev`` after ``make demo``),
  the content the pipeline last published (``ref.publications.input_files``, the ingestion ledger
  copied into the published warehouse) counts as already requested: a delivery the pipeline ingested
  and published is not run again.
- Every change gets a run key of its own: Dagster never runs a key twice, and a month may go back to
  an earlier content (A -> B -> A) or be removed a second time.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline.ingest import sha256_of
from pipeline.raw_io import MONTH_SOURCES, SOURCE_FOLDERS, list_source_files
from pipeline.warehouse import run_sql

TABLE_SOURCES = tuple(folder for folder in SOURCE_FOLDERS if folder not in MONTH_SOURCES)
REMOVED = "removed"
CURSOR_VERSION = 2
# Ticks (60 s each) a newly seen group waits for an unreadable publication record before it is run
# anyway: long enough for a transient lock to go away, short enough that a damaged warehouse file
# does not silence the sensor. A needless run is harmless (ingestion is idempotent); a missed one is not.
LEDGER_PATIENCE = 5


def groups(raw: Path) -> dict[str, list[Path]]:
    """Every file of raw/ that the pipeline reads (and stray files, which fail ingestion), by group."""
    found: dict[str, list[Path]] = {}
    for source in MONTH_SOURCES:
        folder = raw / source
        if folder.is_dir():
            for month in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
                listing = list_source_files(month)
                found[f"{source}/{month.name}"] = listing.files + listing.unexpected
    for source in TABLE_SOURCES:
        listing = list_source_files(raw / source)
        if listing.files or listing.unexpected:
            found[source] = listing.files + listing.unexpected
    return found


def group_of(relative: str) -> str:
    """The group of a file given by its path relative to raw/ (as the ingestion ledger names it)."""
    parts = relative.split("/")
    return "/".join(parts[:2]) if parts[0] in MONTH_SOURCES and len(parts) > 2 else parts[0]


def listing_fingerprint(files: list[Path]) -> str | None:
    """Paths, sizes and modification times; None when a file vanished while being listed (still
    changing). 64 bits are plenty to notice a change, and the cursor is stored with every tick."""
    try:
        stats = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(files)]
    except FileNotFoundError:
        return None
    return hashlib.sha256(json.dumps(stats).encode()).hexdigest()[:16]


def group_digest(file_digests: Mapping[str, str]) -> str:
    """One digest for a group's content from its files' paths (relative to raw/) and SHA-256s. The
    sensor computes it from the bytes, and from the publication record in the same way."""
    lines = "".join(f"{path}\0{digest}\n" for path, digest in sorted(file_digests.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def content_hash(raw: Path, files: list[Path]) -> str:
    # The ingestion's own file digest, so that the result can be compared with its ledger.
    return group_digest({path.relative_to(raw).as_posix(): sha256_of(path) for path in files})


class LedgerUnavailable(RuntimeError):
    """The publication record could not be read (e.g. someone holds the warehouse open read-write)."""


def published_contents(warehouse: Path) -> dict[str, str]:
    """Group -> content digest of the raw files behind the latest publication; empty before the first.

    Read from the published warehouse, not from the working database's ``staging.ingested_files`` of
    which it is a copy: DuckDB lets no other process open a file that a run holds read-write (even
    read-only), and a sensor holding the working database for a moment would make a run's step fail
    to open it. The published file is only ever replaced by a rename and opened read-only, by design
    (analysts query it during runs), so reading it never blocks a run or is blocked by one. It also
    needs nothing written for the sensor, and holds only what passed the checks and was published."""
    if not warehouse.exists():
        return {}
    try:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            rows = run_sql(connection, "reference/published_input_files.sql").fetchall()
    except duckdb.CatalogException:
        return {}  # a warehouse without a publication record has no ingestion to compare with
    except duckdb.Error as error:
        raise LedgerUnavailable(f"{warehouse}: {error}") from error
    by_group: dict[str, dict[str, str]] = {}
    for source_file, sha256 in rows:
        by_group.setdefault(group_of(source_file), {})[source_file] = sha256
    return {group: group_digest(files) for group, files in by_group.items()}


def _new_epoch() -> str:
    return uuid.uuid4().hex[:8]


@dataclass
class Cursor:
    listed: dict[str, str | None] = field(default_factory=dict)  # group -> listing at the last tick
    hashed: dict[str, list[str]] = field(default_factory=dict)  # group -> [listing, content hash]
    triggered: dict[str, str] = field(default_factory=dict)  # group -> content last requested (or seen)
    changes: dict[str, int] = field(default_factory=dict)  # group -> changes requested so far
    # Made once per cursor and part of every run key: keys stay new even if the cursor is reset and
    # the counters start again (Dagster remembers every key it has run).
    epoch: str = field(default_factory=_new_epoch)
    ledger_misses: int = 0  # consecutive ticks the publication record could not be read

    @classmethod
    def load(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        data = json.loads(text)
        if data.get("version") != CURSOR_VERSION:
            # A cursor of the first sensor hashed contents differently: only its listings carry over,
            # and its groups are met again as new ones, checked against the publication record.
            return cls(listed=data.get("listed", {}))
        data.pop("version")
        return cls(**data)

    def dump(self) -> str:
        return json.dumps(
            {
                "version": CURSOR_VERSION,
                "listed": self.listed,
                "hashed": self.hashed,
                "triggered": self.triggered,
                "changes": self.changes,
                "epoch": self.epoch,
                "ledger_misses": self.ledger_misses,
            },
            sort_keys=True,
        )


@dataclass(frozen=True)
class Change:
    group: str
    content_hash: str
    run_key: str  # unique per change: group, content, the cursor's epoch and the group's change number

    @property
    def source(self) -> str:
        return self.group.split("/")[0]

    @property
    def month(self) -> str | None:
        """The month of a monthly source's group (``rolls/2025-08``, ``residents/2025-08``)."""
        return self.group.split("/")[1] if self.source in MONTH_SOURCES and "/" in self.group else None


@dataclass
class Detection:
    changes: list[Change]
    cursor: Cursor
    hashed: list[str] = field(default_factory=list)  # groups whose bytes were read this tick
    already_published: list[str] = field(default_factory=list)  # new to the cursor, not run
    waiting: list[str] = field(default_factory=list)  # new to the cursor, publication record unreadable
    ledger_error: str | None = None


def detect_changes(raw: Path, cursor: Cursor, published: Callable[[], Mapping[str, str]] = dict) -> Detection:
    """Stable groups whose content changed since they were last requested, and the next cursor.

    ``published`` gives group -> content digest of what the pipeline last published
    (:func:`published_contents`); it is called at most once per tick, and only when a stable group is
    new to the cursor. It may raise :class:`LedgerUnavailable`: such groups then wait for the next tick
    (up to :data:`LEDGER_PATIENCE` ticks, then they are run)."""
    found = groups(raw)
    listed = {group: listing_fingerprint(files) for group, files in found.items()}
    hashed = {group: entry for group, entry in cursor.hashed.items() if group in found}
    triggered = dict(cursor.triggered)
    counts = dict(cursor.changes)
    detection = Detection(changes=[], cursor=cursor)
    ledger: Mapping[str, str] | None = None
    misses = cursor.ledger_misses

    def change(group: str, digest: str) -> None:
        counts[group] = counts.get(group, 0) + 1
        run_key = f"{group}:{digest}#{cursor.epoch}.{counts[group]}"
        detection.changes.append(Change(group, digest, run_key))
        triggered[group] = digest

    for group, fingerprint in listed.items():
        if fingerprint is None or cursor.listed.get(group) != fingerprint:
            continue  # new or still changing: wait for one more tick
        if group not in hashed or hashed[group][0] != fingerprint:
            try:
                hashed[group] = [fingerprint, content_hash(raw, found[group])]
            except OSError:
                continue  # a file went away since the listing: the next listing will differ
            detection.hashed.append(group)
        digest = hashed[group][1]
        if triggered.get(group) == digest:
            continue
        if group not in triggered:
            if ledger is None and detection.ledger_error is None:
                try:
                    ledger, misses = published(), 0
                except LedgerUnavailable as error:
                    detection.ledger_error, misses = str(error), misses + 1
            if ledger is None and misses <= LEDGER_PATIENCE:
                detection.waiting.append(group)
                continue
            if ledger is not None and ledger.get(group) == digest:
                triggered[group] = digest
                detection.already_published.append(group)
                continue
        change(group, digest)
    for group in sorted(set(triggered) - set(listed)):
        if triggered[group] != REMOVED:
            change(group, REMOVED)
    detection.cursor = Cursor(
        listed=listed,
        hashed=hashed,
        triggered=triggered,
        changes=counts,
        epoch=cursor.epoch,
        # Counted while groups wait, so that patience runs out for them and not for later newcomers.
        ledger_misses=misses if detection.waiting else 0,
    )
    return detection
