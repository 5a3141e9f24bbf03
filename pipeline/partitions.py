"""Partitions, defined once and imported everywhere (assets, schedule, sensor, CLI). Arithmetic on
their keys is in ``pipeline/months.py``."""

import dagster as dg

# One partition per roll month, keyed like the raw folders (rolls/YYYY-MM/). From January 2018, the
# start of the history users backfill; end_offset=1 includes the current month, which the nightly run
# materialises as its roll arrives. Months are Hanoi months: at 01:30 on the 1st in Hanoi it is still
# the previous month in UTC, and the nightly run must find the new month's partition.
MONTHLY = dg.MonthlyPartitionsDefinition(
    start_date="2018-01", fmt="%Y-%m", end_offset=1, timezone="Asia/Ho_Chi_Minh"
)
