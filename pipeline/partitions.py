"""Partitions, defined once and imported everywhere (assets, schedule, sensor, CLI)."""

from datetime import date, timedelta

import dagster as dg

# One partition per roll month, keyed like the raw folders (rolls/YYYY-MM/). From January 2018, the
# start of the history users backfill; end_offset=1 includes the current month, which the nightly run
# materialises as its roll arrives. Months are Hanoi months: at 01:30 on the 1st in Hanoi it is still
# the previous month in UTC, and the nightly run must find the new month's partition.
MONTHLY = dg.MonthlyPartitionsDefinition(
    start_date="2018-01", fmt="%Y-%m", end_offset=1, timezone="Asia/Ho_Chi_Minh"
)


def shift_month(month: str, months: int) -> str:
    """``YYYY-MM`` moved by ``months`` (negative for earlier), by the calendar."""
    year, number = map(int, month.split("-"))
    index = year * 12 + number - 1 + months
    return f"{index // 12}-{index % 12 + 1:02d}"


def month_end(month: str) -> date:
    """The snapshot date of a month: its last day."""
    year, number = map(int, shift_month(month, 1).split("-"))
    return date(year, number, 1) - timedelta(days=1)
