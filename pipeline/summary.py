"""What the published warehouse holds, printed after ``demo`` (read-only, like an analyst)."""

from __future__ import annotations

import duckdb

from pipeline.settings import DataPaths


def print_summary(paths: DataPaths) -> None:
    with duckdb.connect(str(paths.warehouse), read_only=True) as connection:
        tables = connection.execute(
            "select schema_name || '.' || table_name, estimated_size from duckdb_tables() "
            "where schema_name in ('ref', 'marts') order by 1"
        ).fetchall()
        units = connection.execute(
            "select vintage, level, count(*) from ref.admin_units group by all order by 1, 2"
        ).fetchall()
        partial = connection.execute(
            "select count(distinct from_code) filter (where is_partial), count(distinct from_code) "
            "from ref.admin_crosswalk where from_level = 'commune'"
        ).fetchone()
    print("\nWarehouse contents:")
    for name, rows in tables:
        print(f"  {name:<28} {rows:>10,} rows")
    print("Administrative units per vintage:")
    for vintage, level, count in units:
        print(f"  {vintage}  {level:<9} {count:>7,}")
    print(f"Crosswalk: {partial[1]:,} communes linked to later vintages, {partial[0]:,} of them split.")
    print(f"\nOpen it read-only:  duckdb -readonly {paths.warehouse}")
    print(
        f'            or:     python -c "import duckdb; '
        f"duckdb.connect('{paths.warehouse}', read_only=True)\""
    )
