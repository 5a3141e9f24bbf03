"""Building the marts of one period: facts, roll-up, then the four marts, in one transaction."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import duckdb

from pipeline.partitions import month_end, shift_month
from pipeline.warehouse import run_sql

MART_SQL = {
    "coverage": "marts/coverage.sql",
    "plan_attainment": "marts/plan_attainment.sql",
    "bhyt_groups": "marts/bhyt_groups.sql",
    "retention": "marts/retention.sql",
}
# Bottom-up: districts from communes, provinces from districts (or communes), the nation from provinces.
ROLL_UP_LEVELS = ("district", "province", "nation")


@dataclass
class PeriodBuild:
    partition_key: str
    rows: dict[str, int]
    seconds: float


def period_parameters(partition_key: str) -> dict[str, object]:
    """The dates one period's SQL needs: its month end, the previous month end, the previous
    December (baseline of 'new this year') and the next month end (for renewals due)."""
    period = month_end(partition_key)
    return {
        "period": period,
        "year": period.year,
        "previous_period": month_end(shift_month(partition_key, -1)),
        "previous_year_end": date(period.year - 1, 12, 31),
        "next_period": month_end(shift_month(partition_key, 1)),
    }


def build_period(connection: duckdb.DuckDBPyConnection, partition_key: str) -> PeriodBuild:
    """Replace ``partition_key``'s rows in every mart. A period with no roll and no aggregate ends up
    with no rows (which also clears what an earlier delivery left)."""
    started = time.perf_counter()
    params = period_parameters(partition_key)
    if not run_sql(connection, "marts/period_has_data.sql", params).fetchone()[0]:
        connection.execute("begin transaction")
        try:
            run_sql(connection, "marts/clear_period.sql", params)
            run_sql(connection, "marts/unpublished_periods.sql", params)
            connection.execute("commit")
        except BaseException:
            connection.execute("rollback")
            raise
        return PeriodBuild(partition_key, dict.fromkeys(MART_SQL, 0), time.perf_counter() - started)
    connection.execute("begin transaction")
    try:
        run_sql(connection, "marts/unpublished_periods.sql", params)
        run_sql(connection, "intermediate/int_period_facts.sql", params)
        for level in ROLL_UP_LEVELS:
            run_sql(connection, "intermediate/int_roll_up_level.sql", {"level": level})
        for sql in MART_SQL.values():
            run_sql(connection, sql, params)
        counts = run_sql(connection, "marts/count_period_rows.sql", params).fetchone()
        rows = dict(zip(MART_SQL, counts, strict=True))
        connection.execute("drop table period_facts")
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return PeriodBuild(partition_key, rows, time.perf_counter() - started)
