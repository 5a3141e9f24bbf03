"""What changed under raw/, for the file sensor: pure functions over the file system and a cursor.

Files are grouped the way the pipeline consumes them: one group per roll month (``rolls/YYYY-MM``)
and one per other source folder (``aggregates``, ``population``, ``labour_force``, ``targets``,
``plans``, ``reference``). A group is *stable* when its listing (paths, sizes, modification times)
is the same on two consecutive ticks, which skips files still being written. A stable group whose
content hash (SHA-256 over paths and bytes) differs from the one last triggered is a change; a
group that disappeared is a change too (a removed roll month must be emptied).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.raw_io import list_source_files

TABLE_SOURCES = ("aggregates", "population", "labour_force", "targets", "plans", "reference")
REMOVED = "removed"


def groups(raw: Path) -> dict[str, list[Path]]:
    """Every file of raw/ that the pipeline reads (and stray files, which fail ingestion), by group."""
    found: dict[str, list[Path]] = {}
    rolls = raw / "rolls"
    if rolls.is_dir():
        for month in sorted(p for p in rolls.iterdir() if p.is_dir() and not p.name.startswith(".")):
            listing = list_source_files(month)
            found[f"rolls/{month.name}"] = listing.files + listing.unexpected
    for source in TABLE_SOURCES:
        listing = list_source_files(raw / source)
        if listing.files or listing.unexpected:
            found[source] = listing.files + listing.unexpected
    return found


def listing_fingerprint(files: list[Path]) -> str:
    stats = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(files)]
    return hashlib.sha256(json.dumps(stats).encode()).hexdigest()


def content_hash(raw: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(raw).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            while chunk := handle.read(8 * 1024 * 1024):
                digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Cursor:
    listed: dict[str, str] = field(default_factory=dict)  # group -> listing fingerprint at the last tick
    triggered: dict[str, str] = field(default_factory=dict)  # group -> content hash last triggered

    @classmethod
    def load(cls, text: str | None) -> Cursor:
        return cls(**json.loads(text)) if text else cls()

    def dump(self) -> str:
        return json.dumps({"listed": self.listed, "triggered": self.triggered}, sort_keys=True)


@dataclass(frozen=True)
class Change:
    group: str
    content_hash: str

    @property
    def roll_month(self) -> str | None:
        return self.group.removeprefix("rolls/") if self.group.startswith("rolls/") else None


def detect_changes(raw: Path, cursor: Cursor) -> tuple[list[Change], Cursor]:
    """Stable groups whose content changed since they last triggered, and the next cursor."""
    found = groups(raw)
    current = {group: listing_fingerprint(files) for group, files in found.items()}
    changes = []
    triggered = dict(cursor.triggered)
    for group, fingerprint in current.items():
        if cursor.listed.get(group) != fingerprint:
            continue  # new or still changing: wait for one more tick
        digest = content_hash(raw, found[group])
        if triggered.get(group) != digest:
            changes.append(Change(group, digest))
            triggered[group] = digest
    for group in sorted(set(triggered) - set(current)):
        if triggered[group] != REMOVED:
            changes.append(Change(group, REMOVED))
            triggered[group] = REMOVED
    return changes, Cursor(listed=current, triggered=triggered)
