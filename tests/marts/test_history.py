"""History without holes: targets re-expressed on today's units, 2025 reported on the units of its
time, reporting completeness and the pace to the year's target, on small fixtures with figures
computed by hand."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline import reference
from pipeline.warehouse import ADMIN_CROSSWALK, load_table
from tests.conftest import write
from tests.marts.test_marts import build, coverage, persons, roll

OLD = "2000-01-01"  # the pre-reform vintage


def old_provinces(units: pl.DataFrame) -> list[str]:
    return units.filter((pl.col("vintage") == pl.date(2000, 1, 1)) & (pl.col("level") == "province"))[
        "code"
    ].sort()


def bhxh_aggregates(year: int, codes: list[str]) -> str:
    rows = [f"{year}-12-31,province,{code},BHXH,{1000 * (i + 1)}" for i, code in enumerate(codes)]
    return "as_of,unit_level,unit_code,scheme,participants\n" + "\n".join(rows) + "\n"


# ---------------------------------------------------------------------------------------------
# 1. Targets on today's units
# ---------------------------------------------------------------------------------------------


def test_a_merged_province_gets_the_targets_of_the_provinces_merged_into_it(
    tmp_path: Path, connection, reference_frames
):
    """New Bắc Ninh (24) = old Bắc Giang (24) + old Bắc Ninh (27). In 2019 they were asked to reach
    30 % of 1,800,000 and 40 % of 1,400,000: 540,000 + 560,000 persons = 1,100,000 of 3,200,000, a
    target of 34.375 % for today's province. New Tuyên Quang (08) = old Hà Giang (02) + old Tuyên
    Quang (08): Hà Giang had no target, so today's province has none (never a partial sum)."""
    units, _ = reference_frames
    codes = old_provinces(units)
    raw = tmp_path / "raw"
    write(raw / "aggregates/2019.csv", bhxh_aggregates(2019, codes))
    write(
        raw / "labour_force/2019.csv",
        "year,unit_level,unit_code,labour_force\n"
        "2019,province,24,1800000\n2019,province,27,1400000\n"
        "2019,province,02,500000\n2019,province,08,450000\n",
    )
    write(
        raw / "targets/2019.csv",
        "year,unit_level,unit_code,indicator,target_pct\n"
        "2019,province,24,bhxh,30\n2019,province,27,bhxh,40\n2019,province,08,bhxh,35\n"
        "2019,nation,VN,bhxh,32.5\n",
    )
    build(connection, raw, ["2019-12"], roll_months=[])

    participants = {code: 1000 * (i + 1) for i, code in enumerate(codes)}
    bac_ninh = coverage(
        connection, boundary="current", level="province", unit_code="24", indicator="bhxh"
    ).row(0, named=True)
    assert bac_ninh["participants"] == participants["24"] + participants["27"]
    assert bac_ninh["denominator"] == 3_200_000
    assert bac_ninh["target_pct"] == pytest.approx(34.375)
    assert bac_ninh["persons_to_target"] == 1_100_000 - bac_ninh["participants"]
    assert bac_ninh["gap_pp"] == pytest.approx(34.375 - bac_ninh["coverage_pct"])
    assert (bac_ninh["target_met"], bac_ninh["approximate"]) == (False, False)

    tuyen_quang = coverage(
        connection, boundary="current", level="province", unit_code="08", indicator="bhxh"
    ).row(0, named=True)
    assert tuyen_quang["denominator"] == 950_000
    assert (tuyen_quang["target_pct"], tuyen_quang["persons_to_target"], tuyen_quang["target_met"]) == (
        None,
        None,
        None,
    )
    # On its own boundary, old Tuyên Quang (fifth old code: 5,000 participants) keeps its own target.
    old_tuyen_quang = coverage(
        connection, boundary="as_reported", level="province", unit_code="08", indicator="bhxh"
    ).row(0, named=True)
    assert (old_tuyen_quang["target_pct"], old_tuyen_quang["persons_to_target"]) == (35.0, 157_500 - 5000)

    # The nation is the same unit on both boundaries and keeps its own target on both.
    nation = coverage(connection, level="nation", indicator="bhxh")
    assert sorted(nation["target_pct"].to_list()) == [32.5, 32.5]


def test_a_split_commune_passes_its_target_on_by_the_crosswalk_weights_and_is_approximate(
    tmp_path: Path, connection, reference_frames, pre_reform_codes
):
    """An old commune of 1,000 people with an 80 % BHYT target (800 persons) split 0.6/0.4 gives
    480 target persons and 600 people to one new commune, 320 and 400 to the other; every other
    old commune going into those two has 1,000 people and a 90 % target (900 persons)."""
    units, crosswalk = reference_frames
    source = pre_reform_codes["split_from"]
    communes = crosswalk.filter(pl.col("from_level") == "commune")
    receivers = communes.filter(pl.col("from_code") == source)["to_code"].sort().to_list()
    shares = [0.6, 0.4] + [0.0] * (len(receivers) - 2)
    raw = tmp_path / "raw"
    write(
        raw / "reference/crosswalk_2025-06-30_2025-07-01.csv",
        "from_code,to_code,weight\n"
        + "\n".join(f"{source},{to},{share}" for to, share in zip(receivers, shares, strict=True))
        + "\n",
    )
    load_table(
        connection,
        ADMIN_CROSSWALK,
        reference.build_crosswalk(units, reference.adjacent_commune_links(units, raw / "reference")),
    )
    crosswalk = connection.execute(
        "select from_code, to_code from ref.admin_crosswalk where from_level = 'commune' and weight > 0"
    ).pl()
    others = {
        to: crosswalk.filter((pl.col("to_code") == to) & (pl.col("from_code") != source))["from_code"]
        .unique()
        .to_list()
        for to in receivers[:2]
    }
    constituents = sorted({source, *others[receivers[0]], *others[receivers[1]]})
    write(
        raw / "population/2025-old.csv",
        "year,unit_level,unit_code,population,vintage\n"
        + "\n".join(f"2025,commune,{code},1000,{OLD}" for code in constituents)
        + "\n",
    )
    write(
        raw / "targets/2025-old.csv",
        "year,unit_level,unit_code,indicator,target_pct,vintage\n"
        + "\n".join(f"2025,commune,{code},bhyt,{80 if code == source else 90},{OLD}" for code in constituents)
        + "\n",
    )
    write(raw / "rolls/2025-06/a.csv", roll(persons(1, 700, "BHYT", source, "GD")))
    build(connection, raw, ["2025-06"])

    current = coverage(connection, boundary="current", level="commune", indicator="bhyt")
    for to, people, target_persons, participants in (
        (receivers[0], 600, 480, 420),
        (receivers[1], 400, 320, 280),
    ):
        n = len(others[to])
        row = current.filter(pl.col("unit_code") == to).row(0, named=True)
        assert row["denominator"] == 1000 * n + people
        assert row["participants"] == participants  # 700 × 0.6 and 700 × 0.4
        assert row["target_pct"] == pytest.approx((900 * n + target_persons) * 100 / (1000 * n + people))
        assert row["persons_to_target"] == 900 * n + target_persons - participants
        assert row["approximate"] is True
    # As reported, the old commune keeps its own target: 80 % of 1,000 = 800 persons, 100 still needed.
    reported = coverage(connection, boundary="as_reported", unit_code=source, indicator="bhyt").row(
        0, named=True
    )
    assert (reported["target_pct"], reported["persons_to_target"], reported["approximate"]) == (
        80.0,
        100,
        False,
    )


# ---------------------------------------------------------------------------------------------
# 2. 2025 on both vintages
# ---------------------------------------------------------------------------------------------


def test_may_2025_is_reported_on_the_old_units_against_the_targets_assigned_on_them(
    tmp_path: Path, connection, pre_reform_codes
):
    """Figures of 2025 given on both vintages: May 2025 as reported uses the old units' population
    and target (assigned in January), today's units those re-assigned from July."""
    old_commune, new_commune = pre_reform_codes["whole_from"], pre_reform_codes["whole_to"]
    raw = tmp_path / "raw"
    write(
        raw / "population/2025.csv",
        "year,unit_level,unit_code,population,vintage\n"
        f"2025,commune,{old_commune},2000,{OLD}\n2025,commune,{new_commune},5000,2025-07-01\n",
    )
    write(
        raw / "targets/2025.csv",
        "year,unit_level,unit_code,indicator,target_pct,vintage\n"
        f"2025,commune,{old_commune},bhyt,92.5,{OLD}\n2025,commune,{new_commune},bhyt,95,2025-07-01\n",
    )
    write(raw / "rolls/2025-05/a.csv", roll(persons(1, 1700, "BHYT", old_commune, "GD")))
    build(connection, raw, ["2025-05"])

    may = coverage(connection, boundary="as_reported", unit_code=old_commune, indicator="bhyt").row(
        0, named=True
    )
    assert may["vintage"].isoformat() == OLD
    assert (may["participants"], may["denominator"], may["coverage_pct"]) == (1700, 2000, 85.0)
    assert (may["target_pct"], may["gap_pp"], may["persons_to_target"], may["target_met"]) == (
        92.5,
        7.5,
        150,
        False,
    )
    today = coverage(connection, boundary="current", unit_code=new_commune, indicator="bhyt").row(
        0, named=True
    )
    assert (today["denominator"], today["target_pct"], today["persons_to_target"]) == (
        5000,
        95.0,
        4750 - today["participants"],
    )


# ---------------------------------------------------------------------------------------------
# 3. Reporting completeness
# ---------------------------------------------------------------------------------------------


def completeness(connection, **where) -> pl.DataFrame:
    frame = connection.execute("select * from marts.completeness").pl()
    for column, value in where.items():
        frame = frame.filter(pl.col(column) == value)
    return frame


def test_completeness_of_a_partial_roll_names_the_units_that_did_not_deliver(
    tmp_path: Path, connection, reference_frames
):
    """August 2025: the roll covers Hà Nội (01) only, and Tuyên Quang (08) reports a BHYT aggregate.
    The nation has no figure; completeness says 2 of 34 provinces delivered BHYT and names the 32
    others; Tuyên Quang's BHYT figure is its own aggregate although none of its communes reported."""
    units, _ = reference_frames
    new = units.filter(pl.col("vintage") == pl.date(2025, 7, 1))
    hanoi_communes = new.filter((pl.col("level") == "commune") & (pl.col("province_code") == "01"))
    tuyen_quang_communes = new.filter((pl.col("level") == "commune") & (pl.col("province_code") == "08"))
    raw = tmp_path / "raw"
    write(raw / "rolls/2025-08/a.csv", roll(persons(1, 30, "BHYT", hanoi_communes["code"][0], "GD")))
    write(
        raw / "aggregates/2025-08.csv",
        "as_of,unit_level,unit_code,scheme,participants\n2025-08-31,province,08,BHYT,1234\n",
    )
    build(connection, raw, ["2025-08"])

    bhyt = completeness(connection, boundary="as_reported", indicator="bhyt")
    nation = bhyt.filter(pl.col("level") == "nation").row(0, named=True)
    assert (nation["delivered"], nation["sub_units"], nation["sub_units_delivered"]) == ("nothing", 34, 2)
    assert nation["sub_units_missing"] == 32
    assert (nation["communes"], nation["communes_delivered"]) == (3321, hanoi_communes.height)
    missing = bhyt.filter((pl.col("level") == "province") & (pl.col("delivered") == "nothing"))
    assert missing.height == 32 and "Thành phố Hồ Chí Minh" in missing["unit_name"].to_list()
    assert set(missing["parent_code"]) == {"VN"}

    hanoi = bhyt.filter(pl.col("unit_code") == "01").row(0, named=True)
    assert (hanoi["delivered"], hanoi["sub_units"], hanoi["sub_units_delivered"]) == (
        "roll",
        hanoi_communes.height,
        hanoi_communes.height,
    )
    tuyen_quang = bhyt.filter(pl.col("unit_code") == "08").row(0, named=True)
    assert (tuyen_quang["delivered"], tuyen_quang["sub_units_delivered"], tuyen_quang["communes"]) == (
        "aggregate",
        0,
        tuyen_quang_communes.height,
    )
    # Only BHYT was reported by Tuyên Quang: for BHXH it is missing.
    bhxh = completeness(connection, boundary="as_reported", indicator="bhxh", unit_code="08")
    assert bhxh["delivered"].to_list() == ["nothing"]

    # A unit has a coverage row exactly when it delivered.
    published = set(coverage(connection).select("boundary", "level", "unit_code", "indicator").iter_rows())
    delivered = set(
        completeness(connection)
        .filter(pl.col("delivered") != "nothing")
        .select("boundary", "level", "unit_code", "indicator")
        .iter_rows()
    )
    assert published == delivered and len(published) > 0
    # Every unit of both boundaries, five indicators each (the two boundaries share a vintage here).
    assert completeness(connection).height == 2 * 5 * new.height


def test_completeness_before_the_reform_counts_districts_and_communes(
    tmp_path: Path, connection, reference_frames, pre_reform_codes
):
    units, _ = reference_frames
    old = units.filter(pl.col("vintage") == pl.date(2000, 1, 1))
    commune = old.filter(pl.col("code") == pre_reform_codes["whole_from"]).row(0, named=True)
    province_communes = old.filter(
        (pl.col("level") == "commune") & (pl.col("province_code") == commune["province_code"])
    )
    districts = old.filter(
        (pl.col("level") == "district") & (pl.col("parent_code") == commune["province_code"])
    )
    raw = tmp_path / "raw"
    write(raw / "rolls/2024-12/a.csv", roll(persons(1, 10, "BHYT", commune["code"], "GD")))
    build(connection, raw, ["2024-12"])

    rows = completeness(connection, boundary="as_reported", indicator="bhyt")
    province = rows.filter(pl.col("unit_code") == commune["province_code"]).row(0, named=True)
    assert (province["delivered"], province["sub_units"], province["sub_units_delivered"]) == (
        "roll",
        districts.height,
        districts.height,
    )
    assert (province["communes"], province["communes_delivered"]) == (
        province_communes.height,
        province_communes.height,
    )
    district = rows.filter(pl.col("unit_code") == commune["parent_code"]).row(0, named=True)
    in_district = province_communes.filter(pl.col("parent_code") == commune["parent_code"]).height
    assert (district["level"], district["communes"], district["sub_units"]) == (
        "district",
        in_district,
        in_district,
    )
    nation = rows.filter(pl.col("level") == "nation").row(0, named=True)
    assert (nation["sub_units"], nation["sub_units_delivered"], nation["communes"]) == (63, 1, 10035)


# ---------------------------------------------------------------------------------------------
# 5. Pace to the year's target
# ---------------------------------------------------------------------------------------------


def test_a_linear_series_projects_its_year_end_and_the_monthly_need(
    tmp_path: Path, connection, pre_reform_codes
):
    """BHYT in one commune: 84 people in August 2024, 100 in December 2024, 180 in August 2025 (old
    commune merged whole into a new one). Pace over the last 12 months: (180 - 84) / 12 = 8 a month;
    since January: (180 - 100) / 8 = 10. Four months remain: 180 + 4 × 8 = 212 on 31 December, 84.8 %
    of 250 people, short of the 95 % target (238 persons): 58 still needed, 15 a month (14.5)."""
    old_commune, new_commune = pre_reform_codes["whole_from"], pre_reform_codes["whole_to"]
    raw = tmp_path / "raw"
    write(raw / "rolls/2024-08/a.csv", roll(persons(1, 84, "BHYT", old_commune, "GD")))
    write(raw / "rolls/2024-12/a.csv", roll(persons(1, 100, "BHYT", old_commune, "GD")))
    write(raw / "rolls/2025-08/a.csv", roll(persons(1, 180, "BHYT", new_commune, "GD")))
    write(
        raw / "population/2025.csv", f"year,unit_level,unit_code,population\n2025,commune,{new_commune},250\n"
    )
    write(
        raw / "targets/2025.csv",
        f"year,unit_level,unit_code,indicator,target_pct\n2025,commune,{new_commune},bhyt,95\n",
    )
    # August 2025 first: building its bases later must refresh its projection.
    build(connection, raw, ["2025-08", "2024-08", "2024-12"])

    projection = connection.execute(
        "select * from marts.projection "
        "where period = '2025-08-31' and unit_code = $code and indicator = 'bhyt'",
        {"code": new_commune},
    ).pl()
    current = projection.filter(pl.col("boundary") == "current").row(0, named=True)
    assert (current["month"], current["months_remaining"], current["pace_basis"]) == (8, 4, "last_12_months")
    assert (current["pace_12_months"], current["pace_since_january"]) == (8.0, 10.0)
    assert current["projected_participants"] == 212
    assert current["projected_coverage_pct"] == pytest.approx(84.8)
    assert (current["projected_target_met"], current["persons_to_target"], current["needed_per_month"]) == (
        False,
        58,
        15,
    )
    # As reported, August 2025 is on the new units and the bases on the old ones: no pace, but the
    # need per month stands.
    reported = projection.filter(pl.col("boundary") == "as_reported").row(0, named=True)
    assert (reported["pace_basis"], reported["projected_participants"], reported["needed_per_month"]) == (
        None,
        None,
        15,
    )
    published = connection.execute("select period from publication.unpublished_periods order by 1").fetchall()
    assert [row[0].isoformat() for row in published] == ["2024-08-31", "2024-12-31", "2025-08-31"]


def test_december_has_no_month_left_and_the_projection_is_the_figure_itself(
    tmp_path: Path, connection, pre_reform_codes
):
    commune = pre_reform_codes["whole_from"]
    raw = tmp_path / "raw"
    write(raw / "rolls/2023-12/a.csv", roll(persons(1, 40, "BHYT", commune, "GD")))
    write(raw / "rolls/2024-12/a.csv", roll(persons(1, 52, "BHYT", commune, "GD")))
    build(connection, raw, ["2023-12", "2024-12"])
    row = (
        connection.execute(
            "select * from marts.projection where period = '2024-12-31' and boundary = 'as_reported' "
            "and unit_code = $code and indicator = 'bhyt'",
            {"code": commune},
        )
        .pl()
        .row(0, named=True)
    )
    assert (row["pace_basis"], row["pace_12_months"], row["pace_since_january"]) == (
        "last_12_months",
        1.0,
        1.0,
    )
    assert (row["months_remaining"], row["projected_participants"], row["needed_per_month"]) == (0, 52, None)
