"""A third boundary vintage end to end: rolls of 2024, 2025 and 2026 through ingestion and the marts,
with an invented 2026-04-30 vintage given as files in raw/reference/ (commune B merges into A,
commune C splits 0.6 / 0.4 into C and a new 99999, all in Hà Nội)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipeline import reference
from pipeline.settings import PRE_REFORM_VINTAGE, REFORM_VINTAGE
from pipeline.warehouse import ADMIN_CROSSWALK, ADMIN_UNITS, load_table
from tests.conftest import write
from tests.marts.test_marts import build, coverage, persons, roll
from tests.unit.test_reference import invented_2026_vintage

LATEST = date(2026, 4, 30)
OTHERS = 1000  # BHYT participants each other province reports as an aggregate, so the nation has a figure


def aggregates(as_of: str, vintage: date, provinces: list[str]) -> list[str]:
    return [f"{as_of},province,{code},BHYT,{OTHERS},{vintage.isoformat()}" for code in provinces]


@pytest.fixture
def three_vintages(tmp_path: Path, connection, reference_frames) -> dict[str, str]:
    """The warehouse of the three vintages, with rolls of 2024-12, 2025-08 and 2026-06 in Hà Nội
    and every other province reporting an aggregate; returns the communes used."""
    raw = tmp_path / "raw"
    codes = invented_2026_vintage(raw / "reference", reference_frames[0])
    units = reference.build_admin_units(reference.all_vintages(raw / "reference"))
    crosswalk = reference.build_crosswalk(units, reference.adjacent_commune_links(units, raw / "reference"))
    load_table(connection, ADMIN_UNITS, units)
    load_table(connection, ADMIN_CROSSWALK, crosswalk)

    def whole_into(target: str) -> str:  # a pre-reform commune that went whole into a 2025 commune
        return crosswalk.filter(
            (pl.col("from_vintage") == PRE_REFORM_VINTAGE)
            & (pl.col("to_vintage") == REFORM_VINTAGE)
            & (pl.col("from_level") == "commune")
            & (pl.col("to_code") == target)
            & ~pl.col("is_partial")
        )["from_code"].min()

    codes |= {"old_b": whole_into(codes["b"]), "old_c": whole_into(codes["c"])}

    def provinces(vintage: date) -> list[str]:
        return sorted(
            units.filter((pl.col("vintage") == vintage) & (pl.col("level") == "province"))["code"].to_list()
        )

    write(
        raw / "rolls/2024-12/a.csv",
        roll(persons(1, 50, "BHYT", codes["old_b"], "GD") + persons(100, 101, "BHYT", codes["old_c"], "GD")),
    )
    write(
        raw / "rolls/2025-08/a.csv",
        roll(persons(1, 30, "BHYT", codes["b"], "GD") + persons(100, 201, "BHYT", codes["c"], "GD")),
    )
    write(
        raw / "rolls/2026-06/a.csv",
        roll(persons(1, 40, "BHYT", codes["a"], "GD") + persons(100, 60, "BHYT", "99999", "GD")),
    )
    rows = [
        *aggregates(
            "2024-12-31", PRE_REFORM_VINTAGE, [p for p in provinces(PRE_REFORM_VINTAGE) if p != "01"]
        ),
        *aggregates("2025-08-31", REFORM_VINTAGE, [p for p in provinces(REFORM_VINTAGE) if p != "01"]),
        *aggregates("2026-06-30", LATEST, [p for p in provinces(LATEST) if p != "01"]),
    ]
    write(
        raw / "aggregates/provinces.csv",
        "as_of,unit_level,unit_code,scheme,participants,vintage\n" + "\n".join(rows) + "\n",
    )
    # 2025 population and BHYT targets of A, B and C on the 2025 units: A 1,000 at 90 % (900 persons),
    # B 500 at 80 % (400), C 1,000 at 95 % (950).
    figures = ((codes["a"], 1000, 90), (codes["b"], 500, 80), (codes["c"], 1000, 95))
    write(
        raw / "population/2025.csv",
        "year,unit_level,unit_code,population\n" + "".join(f"2025,commune,{c},{n}\n" for c, n, _ in figures),
    )
    write(
        raw / "targets/2025.csv",
        "year,unit_level,unit_code,indicator,target_pct\n"
        + "".join(f"2025,commune,{c},bhyt,{t}\n" for c, _, t in figures),
    )
    build(connection, raw, ["2024-12", "2025-08", "2026-06"])
    return codes


def bhyt(connection, period: str, boundary: str, **where) -> pl.DataFrame:
    return coverage(connection, boundary=boundary, indicator="bhyt", **where).filter(
        pl.col("period") == date.fromisoformat(period)
    )


def test_as_reported_uses_each_periods_vintage(connection, three_vintages):
    codes = three_vintages
    for period, vintage in (
        ("2024-12-31", PRE_REFORM_VINTAGE),
        ("2025-08-31", REFORM_VINTAGE),
        ("2026-06-30", LATEST),
    ):
        rows = bhyt(connection, period, "as_reported")
        assert set(rows["vintage"]) == {vintage}, period
        assert ("district" in set(rows["level"])) == (vintage == PRE_REFORM_VINTAGE)
    reported = {
        period: dict(
            bhyt(connection, period, "as_reported", level="commune")
            .select("unit_code", "participants")
            .rows()
        )
        for period in ("2024-12-31", "2025-08-31", "2026-06-30")
    }
    assert (reported["2024-12-31"][codes["old_b"]], reported["2024-12-31"][codes["old_c"]]) == (50, 101)
    assert (reported["2025-08-31"][codes["b"]], reported["2025-08-31"][codes["c"]]) == (30, 201)
    # In 2026 B no longer exists and 99999 does.
    assert codes["b"] not in reported["2026-06-30"]
    assert (reported["2026-06-30"][codes["a"]], reported["2026-06-30"]["99999"]) == (40, 60)


def test_current_puts_every_period_on_the_latest_vintage(connection, three_vintages):
    """2024's people in the old commune that became B are in A; the 101 in the old commune that
    became C follow C's 0.6 / 0.4 split (60.6 and 40.4: 61 and 40 by largest remainder); 2025's 201
    in C give 121 and 80 (120.6 and 80.4)."""
    codes = three_vintages
    hanoi_communes = connection.execute(
        "select count(*) from ref.admin_units "
        "where vintage = $latest and level = 'commune' and province_code = '01'",
        {"latest": LATEST},
    ).fetchone()[0]
    expected = {
        "2024-12-31": {codes["a"]: 50, codes["c"]: 61, "99999": 40},
        "2025-08-31": {codes["a"]: 30, codes["c"]: 121, "99999": 80},
        "2026-06-30": {codes["a"]: 40, codes["c"]: 0, "99999": 60},
    }
    for period, counts in expected.items():
        rows = bhyt(connection, period, "current")
        assert set(rows["vintage"]) == {LATEST} and "district" not in set(rows["level"])
        communes = rows.filter(pl.col("level") == "commune")
        assert communes.height == hanoi_communes  # the roll covers Hà Nội: its communes of 2026, all
        got = dict(
            communes.filter(pl.col("unit_code").is_in(list(counts)))
            .select("unit_code", "participants")
            .rows()
        )
        assert got == counts, period
        assert codes["b"] not in set(communes["unit_code"])
        split = communes.filter(pl.col("unit_code").is_in([codes["c"], "99999"]))
        assert split["approximate"].all() == (period != "2026-06-30")


def test_national_totals_are_identical_on_both_boundaries(connection, three_vintages):
    for period, expected in (
        ("2024-12-31", 151 + 62 * OTHERS),
        ("2025-08-31", 231 + 33 * OTHERS),
        ("2026-06-30", 100 + 33 * OTHERS),
    ):
        nation = bhyt(connection, period, "as_reported", level="nation")["participants"].to_list()
        assert nation == bhyt(connection, period, "current", level="nation")["participants"].to_list()
        assert nation == [expected], period


def test_targets_of_2025_follow_the_2026_reorganisation(connection, three_vintages):
    """On the 2026 units, August 2025's A is A + B of 2025: 900 + 400 = 1,300 persons of 1,500 people
    (86.667 %); C's 950 persons and 1,000 people split 0.6 / 0.4: 570 of 600 and 380 of 400 (95 %)."""
    codes = three_vintages
    rows = bhyt(connection, "2025-08-31", "current", level="commune").filter(
        pl.col("unit_code").is_in([codes["a"], codes["c"], "99999"])
    )
    got = {r["unit_code"]: r for r in rows.iter_rows(named=True)}
    a, c, new = got[codes["a"]], got[codes["c"]], got["99999"]
    assert (a["denominator"], a["persons_to_target"]) == (1500, 1300 - 30)
    assert a["target_pct"] == pytest.approx(1300 * 100 / 1500)
    assert (c["denominator"], c["persons_to_target"], c["target_pct"]) == (
        600,
        570 - 121,
        pytest.approx(95.0),
    )
    assert (new["denominator"], new["persons_to_target"], new["target_pct"]) == (
        400,
        380 - 80,
        pytest.approx(95.0),
    )
    assert c["approximate"] and new["approximate"]
    # As reported, the 2025 units keep their own targets.
    b = bhyt(connection, "2025-08-31", "as_reported", unit_code=codes["b"]).row(0, named=True)
    assert (b["target_pct"], b["persons_to_target"]) == (80.0, 400 - 30)
