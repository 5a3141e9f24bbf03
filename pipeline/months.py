"""Month arithmetic, defined once (no Dagster here: the generator and the benchmark floor use it too).

A month is a ``YYYY-MM`` key (raw folders, partition keys, the command line) or, where a computation
steps month by month (the generator), an index ``year * 12 + month - 1`` that adds like a number.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTH_KEY = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")


def month_index(key: str) -> int:
    """``YYYY-MM`` -> its index; a readable ValueError for anything else."""
    match = MONTH_KEY.match(key or "")
    if not match:
        raise ValueError(f"'{key}' is not a month (expected YYYY-MM)")
    return int(match["year"]) * 12 + int(match["month"]) - 1


def month_text(index: int) -> str:
    """An index -> its ``YYYY-MM`` key."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(day: date) -> int:
    """The index of the month ``day`` falls in."""
    return day.year * 12 + day.month - 1


def first_day(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def last_day(index: int) -> date:
    return first_day(index + 1) - timedelta(days=1)


def shift_month(month: str, months: int) -> str:
    """``YYYY-MM`` moved by ``months`` (negative for earlier), by the calendar."""
    return month_text(month_index(month) + months)


def month_end(month: str) -> date:
    """The snapshot date of a month: its last day."""
    return last_day(month_index(month))
