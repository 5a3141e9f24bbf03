"""Reference data: Vietnam's administrative units in every boundary vintage, and the crosswalk
that re-expresses history on today's units."""

import time

import dagster as dg
import polars as pl

from assets._checks import OWNERS, checks_step, markdown_table, sql_check, ui_metadata
from pipeline import reference
from pipeline.resources import WAREHOUSE_POOL, WarehouseResource
from pipeline.settings import PRE_REFORM_VINTAGE, REFORM_VINTAGE
from pipeline.warehouse import (
    ADMIN_CROSSWALK,
    ADMIN_UNITS,
    BHYT_OBJECT_CODES,
    load_table,
    recording_sql,
    run_sql,
)

ADMIN_UNITS_KEY = dg.AssetKey(["ref", "admin_units"])
ADMIN_CROSSWALK_KEY = dg.AssetKey(["ref", "admin_crosswalk"])


@dg.asset(
    key=ADMIN_UNITS_KEY,
    group_name="reference",
    kinds={"duckdb", "polars", "sql"},
    owners=OWNERS,
    pool=WAREHOUSE_POOL,
)
def admin_units(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every administrative unit of every boundary vintage, plus the nation: the pre-reform map
    (63 provinces, 696 districts, 10,035 communes) and the map in force from 2025-07-01 (34 provinces,
    3,321 communes) from the vietnamadminunits package, and any later vintage delivered as
    raw/reference/admin_units_YYYY-MM-DD.csv. Keyed by (vintage, code)."""
    started = time.perf_counter()
    units = reference.build_admin_units(reference.all_vintages(warehouse.paths.raw_reference))
    with warehouse.connect() as connection, recording_sql() as sql_files:
        rows = load_table(connection, ADMIN_UNITS, units)
    per_vintage = (
        units.group_by("vintage", "level")
        .len()
        .pivot(on="level", index="vintage", values="len")
        .sort("vintage")
    )
    context.log.info(f"ref.admin_units: {rows} units in {per_vintage.height} vintages")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "vintages": [str(v) for v in per_vintage["vintage"]],
            "units_per_vintage": dg.MetadataValue.md(markdown_table(per_vintage)),
            # Today's provinces, with the coordinates the report's map uses.
            **ui_metadata(
                sql_files,
                started,
                units.filter(pl.col("level") == "province")
                .sort("vintage", "code", descending=[True, False])
                .select("vintage", "code", "name", "latitude", "longitude"),
            ),
        }
    )


@dg.asset(
    key=ADMIN_CROSSWALK_KEY,
    pool=WAREHOUSE_POOL,
    group_name="reference",
    deps=[ADMIN_UNITS_KEY],
    kinds={"duckdb", "polars", "sql"},
    owners=OWNERS,
)
def admin_crosswalk(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Links from the units of each vintage to those of every later vintage, with weights and an
    is_partial flag for split units. The 2025 reform comes from the reference package (a split commune
    gives its whole weight to the package's default target unless raw/reference/crosswalk_*.csv gives
    population shares); later reforms come from crosswalk files. Chains of reforms are composed."""
    started = time.perf_counter()
    with warehouse.connect() as connection, recording_sql() as sql_files:
        units = connection.execute("select * from ref.admin_units").pl()
        adjacent = reference.adjacent_commune_links(units, warehouse.paths.raw_reference)
        crosswalk = reference.build_crosswalk(units, adjacent)
        rows = load_table(connection, ADMIN_CROSSWALK, crosswalk)
    summary = (
        crosswalk.group_by("from_vintage", "to_vintage", "from_level")
        .agg(
            links=pl.len(),
            sources=pl.col("from_code").n_unique(),
            partial_sources=pl.col("from_code").filter(pl.col("is_partial")).n_unique(),
        )
        .sort("from_vintage", "to_vintage", "from_level")
    )
    context.log.info(f"ref.admin_crosswalk: {rows} links")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "links": dg.MetadataValue.md(markdown_table(summary, limit=40)),
            "link_sources": [f"{a.from_vintage} -> {a.to_vintage}: {a.source}" for a in adjacent],
            # Split units first: the links whose weights matter.
            **ui_metadata(
                sql_files,
                started,
                crosswalk.sort("is_partial", "from_vintage", "from_code", descending=[True, False, False]),
            ),
        }
    )


admin_units_checks = checks_step(
    "admin_units_checks",
    [
        sql_check(
            ADMIN_UNITS_KEY,
            "unit_counts_per_level_and_vintage",
            "checks/assert_admin_unit_counts.sql",
            {"pre_reform_vintage": PRE_REFORM_VINTAGE, "reform_vintage": REFORM_VINTAGE},
        ),
        sql_check(
            ADMIN_UNITS_KEY, "every_parent_exists_in_its_vintage", "checks/assert_admin_parents_exist.sql"
        ),
        sql_check(ADMIN_UNITS_KEY, "names_are_nfc", "checks/assert_admin_names_nfc.sql"),
        sql_check(ADMIN_UNITS_KEY, "one_row_per_unit_and_known_levels", "checks/assert_admin_unit_keys.sql"),
    ],
)
admin_crosswalk_checks = checks_step(
    "admin_crosswalk_checks",
    [
        sql_check(
            ADMIN_CROSSWALK_KEY,
            "every_unit_maps_to_every_later_vintage",
            "checks/assert_crosswalk_covers_units.sql",
        ),
        sql_check(
            ADMIN_CROSSWALK_KEY,
            "weights_of_each_source_sum_to_one",
            "checks/assert_crosswalk_weights_sum_to_one.sql",
            {"tolerance": reference.WEIGHT_TOLERANCE},
        ),
        sql_check(
            ADMIN_CROSSWALK_KEY, "one_row_per_link_and_weights_within_0_1", "checks/assert_crosswalk_keys.sql"
        ),
    ],
)


BHYT_OBJECT_CODES_KEY = dg.AssetKey(["ref", "bhyt_object_codes"])


@dg.asset(
    key=BHYT_OBJECT_CODES_KEY,
    group_name="reference",
    kinds={"duckdb", "sql"},
    owners=OWNERS,
    pool=WAREHOUSE_POOL,
)
def bhyt_object_codes(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The BHYT object codes (mã đối tượng) and the five participant groups of the Law on Health
    Insurance they belong to, from the domain guide (sql/reference/bhyt_object_code_rows.sql)."""
    started = time.perf_counter()
    with warehouse.connect() as connection, recording_sql() as sql_files:
        rows = run_sql(connection, "reference/bhyt_object_code_rows.sql").to_arrow_table()
        count = load_table(connection, BHYT_OBJECT_CODES, rows)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": count, **ui_metadata(sql_files, started, pl.from_arrow(rows))}
    )
