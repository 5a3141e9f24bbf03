"""The marts on small fixtures written in the raw contract: the domain's worked example, history on
today's boundaries, denominators, plans and retention."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline import ingest, reference
from pipeline import marts as marts_module
from pipeline.marts import MartCheckFailed, build_period
from pipeline.settings import MARTS
from pipeline.warehouse import ADMIN_CROSSWALK, load_table, run_sql
from tests.conftest import ROLL_HEADER, write

COMMUNE = "00004"  # a commune of Hà Nội in the 2025-07-01 vintage


def persons(
    first: int, count: int, scheme: str, commune: str, object_code: str = "", extra: str = ","
) -> list[str]:
    return [f"{first + i:010d},{scheme},{commune},F,1985,{object_code},,{extra}" for i in range(count)]


def roll(rows: list[str]) -> str:
    return "\n".join([ROLL_HEADER, *rows]) + "\n"


def build(connection, raw: Path, months: list[str], roll_months: list[str] | None = None) -> None:
    for source in ingest.TABLE_SOURCES:
        ingest.ingest_table_source(connection, raw, source)
    for month in roll_months or months:
        ingest.ingest_roll_month(connection, raw, month)
    for month in months:
        ingest.ingest_resident_month(connection, raw, month)  # a month without a register: nothing
    run_sql(connection, "marts/create_mart_tables.sql")
    for month in months:
        build_period(connection, month)


def communes_of(units: pl.DataFrame, province_code: str) -> list[str]:
    """The communes of a province in the 2025-07-01 vintage, sorted."""
    return (
        units.filter(
            (pl.col("vintage") == pl.date(2025, 7, 1))
            & (pl.col("level") == "commune")
            & (pl.col("province_code") == province_code)
        )["code"]
        .sort()
        .to_list()
    )


def coverage(connection, **where) -> pl.DataFrame:
    frame = connection.execute("select * from marts.coverage").pl()
    for column, value in where.items():
        frame = frame.filter(pl.col(column) == value)
    return frame


def test_the_worked_example_of_the_domain_guide(tmp_path: Path, connection):
    raw = tmp_path / "raw"
    write(
        raw / "rolls/2025-08/part-1.csv",
        roll(persons(1, 2156, "BHXH_BB", COMMUNE) + persons(100_000, 10_237, "BHYT", COMMUNE, "GD")),
    )
    write(
        raw / "labour_force/2025.csv",
        f"year,unit_level,unit_code,labour_force\n2025,commune,{COMMUNE},4356\n",
    )
    write(
        raw / "population/2025.csv", f"year,unit_level,unit_code,population\n2025,commune,{COMMUNE},11176\n"
    )
    write(
        raw / "targets/2025.csv",
        "year,unit_level,unit_code,indicator,target_pct\n"
        f"2025,commune,{COMMUNE},bhxh,55\n2025,commune,{COMMUNE},bhyt,95\n",
    )
    build(connection, raw, ["2025-08"])

    rows = coverage(connection, boundary="as_reported", level="commune", unit_code=COMMUNE)
    bhxh = rows.filter(pl.col("indicator") == "bhxh").row(0, named=True)
    assert (bhxh["participants"], bhxh["denominator"], bhxh["denominator_kind"]) == (
        2156,
        4356,
        "labour_force",
    )
    assert bhxh["coverage_pct"] == pytest.approx(49.4949, abs=1e-4)
    assert bhxh["gap_pp"] == pytest.approx(5.5051, abs=1e-4)
    assert (bhxh["persons_to_target"], bhxh["target_met"], bhxh["source"]) == (240, False, "roll")
    bhyt = rows.filter(pl.col("indicator") == "bhyt").row(0, named=True)
    assert (bhyt["participants"], bhyt["denominator"], bhyt["persons_to_target"]) == (10237, 11176, 381)
    assert bhyt["coverage_pct"] == pytest.approx(91.598, abs=1e-3)
    # BHXH_BB has no target of its own: targets do not cascade between indicators or levels.
    bb = rows.filter(pl.col("indicator") == "bhxh_bb").row(0, named=True)
    assert (bb["participants"], bb["target_pct"], bb["persons_to_target"]) == (2156, None, None)
    # The province has no labour-force figure and its other communes none either: rate unknown.
    hanoi = coverage(connection, boundary="as_reported", level="province", unit_code="01", indicator="bhxh")
    assert hanoi.select("participants", "denominator", "coverage_pct").row(0) == (2156, None, None)


def test_a_level_with_a_missing_child_denominator_shows_a_null_rate(
    tmp_path: Path, connection, reference_frames
):
    units, _ = reference_frames
    communes = communes_of(units, "04")
    raw = tmp_path / "raw"
    write(raw / "rolls/2025-08/a.csv", roll(persons(1, 50, "BHYT", communes[0], "GD")))
    figures = [f"2025,commune,{code},1000" for code in communes[:-1]]  # the last commune has none
    write(raw / "population/2025.csv", "year,unit_level,unit_code,population\n" + "\n".join(figures) + "\n")
    build(connection, raw, ["2025-08"])
    province = coverage(
        connection, boundary="as_reported", level="province", unit_code="04", indicator="bhyt"
    )
    assert province.select("participants", "denominator", "coverage_pct").row(0) == (50, None, None)
    first = coverage(connection, boundary="as_reported", unit_code=communes[0], indicator="bhyt")
    assert first.select("denominator", "coverage_pct").row(0) == (1000, 5.0)

    # With every child's figure, the province gets the sum; its own figure would win over the sum.
    write(
        raw / "population/2025.csv",
        "year,unit_level,unit_code,population\n"
        + "\n".join([*figures, f"2025,commune,{communes[-1]},1000"])
        + "\n",
    )
    build(connection, raw, ["2025-08"])
    province = coverage(
        connection, boundary="as_reported", level="province", unit_code="04", indicator="bhyt"
    )
    assert province.select("denominator", "coverage_pct").row(0) == (
        1000 * len(communes),
        50 * 100 / (1000 * len(communes)),
    )


def test_a_pre_reform_year_on_current_boundaries_sums_merged_provinces_exactly(
    tmp_path: Path, connection, reference_frames
):
    units, _ = reference_frames
    old_provinces = units.filter((pl.col("vintage") == pl.date(2000, 1, 1)) & (pl.col("level") == "province"))
    rows = [
        f"2019-12-31,province,{code},BHXH,{1000 * (i + 1)}"
        for i, code in enumerate(old_provinces["code"].sort())
    ]
    write(
        tmp_path / "raw/aggregates/2019.csv",
        "as_of,unit_level,unit_code,scheme,participants\n" + "\n".join(rows) + "\n",
    )
    write(
        tmp_path / "raw/labour_force/2019.csv",
        "year,unit_level,unit_code,labour_force\n2019,province,24,1800000\n2019,province,27,1400000\n",
    )
    build(connection, tmp_path / "raw", ["2019-12"], roll_months=[])

    old = dict(
        coverage(connection, boundary="as_reported", level="province")
        .select("unit_code", "participants")
        .rows()
    )
    new = coverage(connection, boundary="current", level="province")
    # New Bắc Ninh (24) = old Bắc Giang (24) + old Bắc Ninh (27), exactly; its population too.
    bac_ninh = new.filter(pl.col("unit_code") == "24").row(0, named=True)
    assert bac_ninh["participants"] == old["24"] + old["27"]
    assert (bac_ninh["denominator"], bac_ninh["approximate"], bac_ninh["source"]) == (
        3_200_000,
        False,
        "aggregate",
    )
    assert bac_ninh["unit_name"] == "Tỉnh Bắc Ninh" and bac_ninh["vintage"].isoformat() == "2025-07-01"
    assert new.height == 34 and new["participants"].sum() == sum(old.values())
    nation = coverage(connection, level="nation", indicator="bhxh")
    assert sorted(nation["boundary"]) == ["as_reported", "current"]
    assert nation["participants"].unique().to_list() == [sum(old.values())]
    assert coverage(connection, indicator="bhyt").height == 0  # only totals were reported


def test_a_split_commune_follows_the_crosswalk_weights_and_is_flagged_approximate(
    tmp_path: Path, connection, reference_frames, pre_reform_codes
):
    units, crosswalk = reference_frames
    source = pre_reform_codes["split_from"]
    targets = (
        crosswalk.filter((pl.col("from_level") == "commune") & (pl.col("from_code") == source))["to_code"]
        .sort()
        .to_list()
    )
    shares = [0.6, 0.4] + [0.0] * (len(targets) - 2)
    reference_dir = tmp_path / "raw/reference"
    write(
        reference_dir / "crosswalk_2025-06-30_2025-07-01.csv",
        "from_code,to_code,weight\n"
        + "\n".join(f"{source},{target},{share}" for target, share in zip(targets, shares, strict=True))
        + "\n",
    )
    load_table(
        connection,
        ADMIN_CROSSWALK,
        reference.build_crosswalk(units, reference.adjacent_commune_links(units, reference_dir)),
    )
    write(tmp_path / "raw/rolls/2025-06/a.csv", roll(persons(1, 1001, "BHYT", source, "GD")))
    build(connection, tmp_path / "raw", ["2025-06"])

    reported = coverage(
        connection, boundary="as_reported", level="commune", indicator="bhyt", unit_code=source
    )
    assert reported.select("participants", "approximate", "vintage").row(0)[:2] == (1001, False)
    current = coverage(connection, boundary="current", level="commune", indicator="bhyt").filter(
        pl.col("participants") > 0
    )
    # 600.6 and 400.4 by weight; the largest remainder keeps the total at 1001.
    assert dict(current.select("unit_code", "participants").rows()) == {targets[0]: 601, targets[1]: 400}
    assert current["approximate"].all()
    # The roll covers one province only, so the nation is unknown (never a partial sum); the province,
    # merged whole, re-sums exactly and is not approximate.
    assert coverage(connection, level="nation").height == 0
    old_province = coverage(connection, boundary="as_reported", level="province", indicator="bhyt")
    new_province = coverage(connection, boundary="current", level="province", indicator="bhyt")
    assert old_province["participants"].to_list() == [1001] == new_province["participants"].to_list()
    assert not new_province["approximate"].any()


def test_plan_attainment_groups_and_retention(tmp_path: Path, connection):
    raw = tmp_path / "raw"
    stayed = persons(1, 6, "BHYT", COMMUNE, "GD")
    write(raw / "rolls/2024-12/a.csv", roll(persons(1, 8, "BHYT", COMMUNE, "GD")))
    write(raw / "rolls/2025-07/a.csv", roll(persons(1, 8, "BHYT", COMMUNE, "GD")))
    # August: 6 of the 8 stay (one card expires at the end of September), 3 new households, 2 pupils.
    august = stayed[:5] + [stayed[5].rsplit(",", 2)[0] + ",2025-01-01,2025-09-30"]
    august += persons(50, 3, "BHYT", COMMUNE, "GD") + persons(60, 2, "BHYT", COMMUNE, "HS")
    write(raw / "rolls/2025-08/a.csv", roll(august))
    write(
        raw / "plans/2025.csv",
        "year,unit_level,unit_code,scheme,bhyt_object_code,planned_new\n"
        f"2025,commune,{COMMUNE},BHYT,GD,12\n2025,commune,{COMMUNE},BHYT,,20\n",
    )
    build(connection, raw, ["2025-08"], roll_months=["2024-12", "2025-07", "2025-08"])

    plans = connection.execute(
        "select bhyt_object_code, new_participants, planned_new, attainment_pct from marts.plan_attainment "
        "where boundary = 'as_reported' and level = 'commune' and unit_code = ? order by 1 nulls first",
        [COMMUNE],
    ).fetchall()
    assert plans == [(None, 5, 20, 25.0), ("GD", 3, 12, 25.0)]
    groups = connection.execute(
        "select group_no, object_code, participants from marts.bhyt_groups "
        "where boundary = 'as_reported' and level = 'nation' order by 1"
    ).fetchall()
    assert groups == [(4, "HS", 2), (5, "GD", 9)]
    retention = connection.execute(
        "select continuing, new, stopped, due_next_month from marts.retention "
        "where boundary = 'current' and level = 'nation' and scheme = 'BHYT'"
    ).fetchone()
    assert retention == (6, 5, 2, 1)


def test_a_person_in_both_bhxh_schemes_counts_once_at_the_commune_of_their_bb_row(
    tmp_path: Path, connection, reference_frames
):
    """BHXH counts persons, not rows: someone on the roll in both BB and TN (a data error rolls
    tolerate, flagged at ingestion) counts once, where their BB row is; where that row is not active
    on the snapshot date, where their TN row is. Each scheme still counts its own rows."""
    units, _ = reference_frames
    other = next(code for code in communes_of(units, "01") if code != COMMUNE)
    raw = tmp_path / "raw"
    rows = persons(1, 4, "BHXH_BB", COMMUNE)  # 1-4: BB here
    rows += persons(3, 4, "BHXH_TN", other)  # 3-4 also TN there (in both), 5-6 TN only
    rows += persons(7, 1, "BHXH_BB", COMMUNE, extra="2020-01-01,2024-12-31")  # 7: BB expired...
    rows += persons(7, 1, "BHXH_TN", other)  # ...and TN active: counted there
    write(raw / "rolls/2025-08/a.csv", roll(rows))
    build(connection, raw, ["2025-08"])

    participants = dict(
        connection.execute(
            "select unit_code || ' ' || indicator, participants from marts.coverage "
            "where boundary = 'as_reported' and level = 'commune' and unit_code in (?, ?) "
            "and indicator in ('bhxh', 'bhxh_bb', 'bhxh_tn')",
            [COMMUNE, other],
        ).fetchall()
    )
    assert participants == {
        f"{COMMUNE} bhxh": 4,
        f"{COMMUNE} bhxh_bb": 4,
        f"{COMMUNE} bhxh_tn": 0,
        f"{other} bhxh": 3,  # 5, 6 and 7
        f"{other} bhxh_bb": 0,
        f"{other} bhxh_tn": 5,
    }
    hanoi = coverage(connection, boundary="as_reported", level="province", unit_code="01", indicator="bhxh")
    assert hanoi["participants"].to_list() == [7]


def test_a_merged_province_missing_one_old_figure_is_unknown_not_a_partial_sum(
    tmp_path: Path, connection, reference_frames
):
    units, _ = reference_frames
    old = units.filter((pl.col("vintage") == pl.date(2000, 1, 1)) & (pl.col("level") == "province"))["code"]
    rows = [
        f"2019-12-31,province,{code},BHXH,1000" for code in old.sort() if code != "27"
    ]  # Bắc Ninh missing
    write(
        tmp_path / "raw/aggregates/2019.csv",
        "as_of,unit_level,unit_code,scheme,participants\n" + "\n".join(rows) + "\n",
    )
    build(connection, tmp_path / "raw", ["2019-12"], roll_months=[])
    current = coverage(connection, boundary="current", level="province")
    assert "24" not in current["unit_code"].to_list()  # new Bắc Ninh = old 24 + old 27: unknown
    assert current.height == 33
    assert coverage(connection, level="nation").height == 0  # on both boundaries


@pytest.mark.parametrize("mart", MARTS)
def test_the_grain_checks_pass_on_built_marts_and_catch_a_repeated_row_and_an_unknown_unit(
    tmp_path: Path, connection, mart: str
):
    raw = tmp_path / "raw"
    for month in ("2024-12", "2025-07", "2025-08"):
        write(
            raw / f"rolls/{month}/a.csv",
            roll(persons(1, 5, "BHYT", COMMUNE, "GD") + persons(9, 3, "BHXH_BB", COMMUNE)),
        )
    plan = f"year,unit_level,unit_code,scheme,planned_new\n2025,commune,{COMMUNE},BHYT,10\n"
    write(raw / "plans/2025.csv", plan)
    register = [f"{i:010d},{COMMUNE},Thôn {i % 2},F,1985" for i in range(1, 13)]
    write(
        raw / "residents/2025-08/a.csv",
        "person_id,commune_code,village,sex,birth_year\n" + "\n".join(register),
    )
    # December's marts too: marts.projection paces August from them.
    build(connection, raw, ["2024-12", "2025-08"], ["2024-12", "2025-07", "2025-08"])
    check, scope = "checks/assert_grain.sql", {"mart": mart, "period": None}
    assert connection.table(f"marts.{mart}").shape[0] > 0
    assert run_sql(connection, check, scope).fetchall() == []

    table = connection.table(f"marts.{mart}")
    table.limit(1).insert_into(f"marts.{mart}")  # a repeated row
    table.filter("level = 'commune'").limit(1).project(
        ", ".join("'99999' as unit_code" if c == "unit_code" else c for c in table.columns)
    ).insert_into(f"marts.{mart}")  # a unit that does not exist
    problems = {row[0] for row in run_sql(connection, check, scope).fetchall()}
    assert problems == {"repeated key", "unit not in ref.admin_units for its vintage and level"}


def test_a_period_whose_new_marts_fail_a_blocking_check_keeps_its_previous_marts(
    tmp_path: Path, connection, monkeypatch
):
    raw = tmp_path / "raw"
    write(raw / "rolls/2025-08/a.csv", roll(persons(1, 5, "BHYT", COMMUNE, "GD")))
    build(connection, raw, ["2025-08"])
    commune = (
        "select count(*), sum(participants) from marts.coverage where boundary = 'as_reported' "
        "and level = 'commune' and indicator = 'bhyt' and unit_code = '00004'"
    )
    assert connection.execute(commune).fetchone() == (1, 5)

    write(raw / "rolls/2025-08/a.csv", roll(persons(1, 7, "BHYT", COMMUNE, "GD")))
    ingest.ingest_roll_month(connection, raw, "2025-08")
    # A defect in the coverage SQL (a row written twice) on this rebuild.
    real_run_sql = marts_module.run_sql

    def defective(connection, relative_path, params=None, frames=None):
        result = real_run_sql(connection, relative_path, params, frames)
        if relative_path == "marts/coverage.sql":
            connection.execute(
                "insert into marts.coverage select * from marts.coverage where unit_code = '00004'"
            )
        return result

    monkeypatch.setattr(marts_module, "run_sql", defective)
    with pytest.raises(
        MartCheckFailed, match=r"marts 2025-08: check 'grain_holds' on marts/coverage found \d+ offending"
    ):
        build_period(connection, "2025-08")
    assert connection.execute(commune).fetchone() == (1, 5)  # the previous marts, whole


def test_a_denominator_apportioned_down_to_zero_is_unknown_not_a_nan_rate(
    tmp_path: Path, connection, monkeypatch
):
    raw = tmp_path / "raw"
    write(raw / "rolls/2025-08/a.csv", roll(persons(1, 5, "BHYT", COMMUNE, "GD")))
    write(raw / "population/2025.csv", f"year,unit_level,unit_code,population\n2025,commune,{COMMUNE},100\n")
    # Re-expression apportions an old unit's figure by largest remainder: a small share of a small
    # population comes out as 0 (30 rows of the demo data). Give the commune that zero.
    real_run_sql = marts_module.run_sql

    def apportioned_to_zero(connection, relative_path, params=None, frames=None):
        result = real_run_sql(connection, relative_path, params, frames)
        if relative_path == "intermediate/int_period_facts.sql":
            connection.execute(
                "update period_facts set value = 0 where measure = 'denominator' and unit_code = ?", [COMMUNE]
            )
        return result

    monkeypatch.setattr(marts_module, "run_sql", apportioned_to_zero)
    build(connection, raw, ["2025-08"])

    row = coverage(connection, boundary="as_reported", level="commune", indicator="bhyt", unit_code=COMMUNE)
    assert row.select("participants", "denominator", "coverage_pct", "coverage_above_100").row(0) == (
        5,
        None,
        None,
        None,
    )
