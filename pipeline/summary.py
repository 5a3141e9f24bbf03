"""What the published warehouse holds, printed after ``demo`` (read-only, like an analyst)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from pipeline.settings import DataPaths
from pipeline.warehouse import read_sql


def published_row_counts(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """Every published table with its exact row count. Not ``duckdb_tables().estimated_size``: it
    counts deleted rows, and an incremental publication deletes the periods it replaces."""
    names = connection.execute(
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where schema_name in ('ref', 'marts') order by 1"
    ).fetchall()
    return [
        (name, connection.execute("select count(*) from query_table($name)", {"name": name}).fetchone()[0])
        for (name,) in names
    ]


def print_summary(paths: DataPaths) -> None:
    with duckdb.connect(str(paths.warehouse), read_only=True) as connection:
        tables = published_row_counts(connection)
        units = connection.execute(
            "select vintage, level, count(*) from ref.admin_units group by all order by 1, 2"
        ).fetchall()
        partial = connection.execute(
            "select count(distinct from_code) filter (where is_partial), count(distinct from_code) "
            "from ref.admin_crosswalk where from_level = 'commune'"
        ).fetchone()
        periods = connection.execute(
            "select min(period), max(period), count(distinct period) from marts.coverage"
        ).fetchone()
        national = connection.execute(
            "select indicator, participants, denominator, coverage_pct, target_pct from marts.coverage "
            "where boundary = 'current' and level = 'nation' "
            "and period = (select max(period) from marts.coverage) order by indicator"
        ).fetchall()
        history = connection.execute(read_sql("marts/summary_history.sql")).fetchall()
        pace = connection.execute(read_sql("marts/summary_pace.sql")).fetchone()
    print("\nWarehouse contents:")
    for name, rows in tables:
        print(f"  {name:<28} {rows:>10,} rows")
    print("Administrative units per vintage:")
    for vintage, level, count in units:
        print(f"  {vintage}  {level:<9} {count:>7,}")
    print(f"Crosswalk: {partial[1]:,} communes linked to later vintages, {partial[0]:,} of them split.")
    if periods[2]:
        print(
            f"Marts: {periods[2]} periods from {periods[0]} to {periods[1]}. "
            f"National coverage at {periods[1]}:"
        )
        for indicator, participants, denominator, coverage, target in national:
            rate = f"{coverage:6.2f}%" if coverage is not None else "   n/a "
            goal = f"target {target:.2f}%" if target is not None else "no target"
            print(f"  {indicator:<8} {participants:>12,} of {denominator or 0:>12,}  {rate}  ({goal})")
        print("Provinces with a BHYT rate and a target, per year (last period of the year, both boundaries):")
        for year, period, reported, reported_of, current, current_of in history:
            print(
                f"  {year}  {period}  as reported {reported:>2} of {reported_of:>2}   "
                f"on today's units {current:>2} of {current_of:>2}"
            )
        if pace[0]:
            print(
                f"Pace at {pace[0]}: {pace[1]} of {pace[2]} provinces reach their BHYT target by 31 December "
                f"at the pace of the last 12 months (or since January); {pace[3]} of "
                f"{pace[4]:,} units have not delivered BHYT."
            )
    else:
        print("Marts: empty (no rolls or aggregates in raw/ yet): reference tables published.")
    # The duckdb-cli package installs the CLI beside this interpreter (.venv/bin/duckdb).
    cli = Path(sys.executable).parent / "duckdb"
    print(f"\nOpen it read-only:  {cli if cli.exists() else 'duckdb'} -readonly {paths.warehouse}")
    print(
        f'            or:     python -c "import duckdb; '
        f"duckdb.connect('{paths.warehouse}', read_only=True)\""
    )
