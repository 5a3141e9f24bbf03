"""Three boundary vintages end to end, on every indicator: person-level rolls of September 2024
(pre-reform communes, vintage 2000-01-01), August 2025 (vintage 2025-07-01) and June 2026 (the invented
2026-04-30 vintage of raw/reference/: commune B merges into A, commune C splits 0.6 / 0.4 into C and a
new 99999, all in Hà Nội), through ingestion and the marts. Every other province reports an aggregate on
the vintage of its period, so the nation has a figure on both boundaries.

Every expected number is worked out by hand from the rows written here (EXPECTED, HANOI, NATION)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline import ingest, reference
from pipeline.marts import build_period
from pipeline.settings import PRE_REFORM_VINTAGE, REFORM_VINTAGE
from pipeline.warehouse import ADMIN_CROSSWALK, ADMIN_UNITS, BHYT_OBJECT_CODES, load_table, run_sql
from tests.conftest import write
from tests.marts.test_marts import build, coverage, persons, roll
from tests.unit.test_reference import invented_2026_vintage

LATEST = date(2026, 4, 30)
NEW = "99999"  # the commune the 2026 vintage creates out of 0.4 of C
PERIODS = {  # snapshot month -> (period, vintage in force on it)
    "2024-09": (date(2024, 9, 30), PRE_REFORM_VINTAGE),
    "2025-08": (date(2025, 8, 31), REFORM_VINTAGE),
    "2026-06": (date(2026, 6, 30), LATEST),
}
# Each province but Hà Nội reports these totals at every period, on the vintage in force then (62 other
# provinces before the reform, 33 after); its BHXH is BB + TN = 110.
AGGREGATE = {"BHXH_BB": 100, "BHXH_TN": 10, "BHTN": 80, "BHYT": 1000}
# 2024 denominators per pre-reform province: Hà Nội 8,000,000 people and 4,000,000 in the labour force,
# every other province 1,000,000 and 500,000 (nation: 70,000,000 and 35,000,000).
DENOMINATORS = {"population": (8_000_000, 1_000_000), "labour_force": (4_000_000, 500_000)}
# 2025 population and BHYT target of three 2025 communes: A 1,000 at 90 % (900 persons), B 500 at 80 %
# (400), C 1,000 at 95 % (950).
TARGETS_2025 = {"a": (1000, 90), "b": (500, 80), "c": (1000, 95)}


def rolls(codes: dict[str, str]) -> dict[str, list[str]]:
    """The three snapshots, each on the communes of its own vintage. Person ids repeat across schemes
    on purpose: one person in BHXH_BB and BHTN, or (a data error rolls tolerate) in BB and TN."""
    return {
        "2024-09": [
            # old_b (went whole into B in 2025): 40 in BB and in BHTN, 50 BHYT.
            *persons(1, 40, "BHXH_BB", codes["old_b"]),
            *persons(1, 40, "BHTN", codes["old_b"]),
            *persons(1, 50, "BHYT", codes["old_b"], "GD"),
            # old_c (went whole into C): 101 BHYT pupils, 11 voluntary BHXH of whom 3 also in BB.
            *persons(1001, 101, "BHYT", codes["old_c"], "HS"),
            *persons(1001, 11, "BHXH_TN", codes["old_c"]),
            *persons(1001, 3, "BHXH_BB", codes["old_c"]),
            # 5 cards in old_c expired before the snapshot: kept, never counted.
            *persons(2001, 5, "BHYT", codes["old_c"], "GD", extra="2024-01-01,2024-08-31"),
            # old_d (went whole into D, which the 2026 reorganisation leaves alone): 7 BHYT.
            *persons(3001, 7, "BHYT", codes["old_d"], "GD"),
        ],
        "2025-08": [
            *persons(1, 30, "BHYT", codes["a"], "GD"),
            *persons(101, 20, "BHYT", codes["b"], "GD"),
            *persons(101, 15, "BHXH_BB", codes["b"]),
            *persons(101, 15, "BHTN", codes["b"]),
            *persons(1001, 201, "BHYT", codes["c"], "HS"),
            *persons(1001, 9, "BHXH_TN", codes["c"]),
            *persons(3001, 5, "BHXH_BB", codes["d"]),
        ],
        "2026-06": [
            *persons(1, 40, "BHYT", codes["a"], "GD"),
            *persons(1001, 25, "BHYT", codes["c"], "HS"),
            *persons(2001, 60, "BHYT", NEW, "GD"),
            *persons(2001, 4, "BHXH_TN", NEW),
            *persons(3001, 5, "BHXH_BB", codes["d"]),
        ],
    }


def counts(bhxh: int = 0, bb: int = 0, tn: int = 0, bhtn: int = 0, bhyt: int = 0) -> dict[str, int]:
    return {"bhxh": bhxh, "bhxh_bb": bb, "bhxh_tn": tn, "bhtn": bhtn, "bhyt": bhyt}


# Participants per (month, boundary) and commune (by key, see `three_vintages`); every other commune of
# Hà Nội has 0. The split by largest remainder: 101 x 0.6 / 0.4 = 60.6 / 40.4 -> 61 / 40; 11 -> 6.6 /
# 4.4 -> 7 / 4; 3 -> 1.8 / 1.2 -> 2 / 1; 201 -> 120.6 / 80.4 -> 121 / 80; 9 -> 5.4 / 3.6 -> 5 / 4 (the
# larger remainder is 99999's). B merged into A: 2024's old_b people and 2025's B people are in A.
EXPECTED = {
    ("2024-09", "as_reported"): {
        "old_b": counts(bhxh=40, bb=40, bhtn=40, bhyt=50),
        "old_c": counts(bhxh=11, bb=3, tn=11, bhyt=101),
        "old_d": counts(bhyt=7),
    },
    ("2024-09", "current"): {
        "a": counts(bhxh=40, bb=40, bhtn=40, bhyt=50),
        "c": counts(bhxh=7, bb=2, tn=7, bhyt=61),
        "new": counts(bhxh=4, bb=1, tn=4, bhyt=40),
        "d": counts(bhyt=7),
    },
    ("2025-08", "as_reported"): {
        "a": counts(bhyt=30),
        "b": counts(bhxh=15, bb=15, bhtn=15, bhyt=20),
        "c": counts(bhxh=9, tn=9, bhyt=201),
        "d": counts(bhxh=5, bb=5),
    },
    ("2025-08", "current"): {
        "a": counts(bhxh=15, bb=15, bhtn=15, bhyt=50),
        "c": counts(bhxh=5, tn=5, bhyt=121),
        "new": counts(bhxh=4, tn=4, bhyt=80),
        "d": counts(bhxh=5, bb=5),
    },
    ("2026-06", "as_reported"): {
        "a": counts(bhyt=40),
        "c": counts(bhyt=25),
        "new": counts(bhxh=4, tn=4, bhyt=60),
        "d": counts(bhxh=5, bb=5),
    },
    ("2026-06", "current"): {
        "a": counts(bhyt=40),
        "c": counts(bhyt=25),
        "new": counts(bhxh=4, tn=4, bhyt=60),
        "d": counts(bhxh=5, bb=5),
    },
}
# Hà Nội (merged with nobody), the sum of its communes, on both boundaries.
HANOI = {
    "2024-09": counts(bhxh=51, bb=43, tn=11, bhtn=40, bhyt=158),
    "2025-08": counts(bhxh=29, bb=20, tn=9, bhtn=15, bhyt=251),
    "2026-06": counts(bhxh=9, bb=5, tn=4, bhtn=0, bhyt=125),
}
# The nation: Hà Nội plus the other provinces' aggregates.
NATION = {
    "2024-09": counts(bhxh=51 + 6820, bb=43 + 6200, tn=11 + 620, bhtn=40 + 4960, bhyt=158 + 62_000),
    "2025-08": counts(bhxh=29 + 3630, bb=20 + 3300, tn=9 + 330, bhtn=15 + 2640, bhyt=251 + 33_000),
    "2026-06": counts(bhxh=9 + 3630, bb=5 + 3300, tn=4 + 330, bhtn=0 + 2640, bhyt=125 + 33_000),
}


def load_three_vintages(
    connection: duckdb.DuckDBPyConnection, reference_dir: Path, package_units: pl.DataFrame
) -> tuple[dict[str, str], pl.DataFrame]:
    """Write the invented 2026 vintage into ``reference_dir`` and replace ref.admin_units and
    ref.admin_crosswalk with the three vintages (load_table recreates the table, it never appends).
    Returns the communes by key (a, b, c and d of 2025; old_b, old_c and old_d, pre-reform communes
    that went whole into B, C and D; new = 99999) and the units."""
    codes = invented_2026_vintage(reference_dir, package_units)
    units = reference.build_admin_units(reference.all_vintages(reference_dir))
    crosswalk = reference.build_crosswalk(units, reference.adjacent_commune_links(units, reference_dir))
    load_table(connection, ADMIN_UNITS, units)
    load_table(connection, ADMIN_CROSSWALK, crosswalk)

    def whole_into(target: str) -> str:
        """A pre-reform commune with another code that went whole (not split) into 2025's ``target``."""
        return connection.execute(
            "select min(from_code) from ref.admin_crosswalk where from_vintage = ? and to_vintage = ? "
            "and from_level = 'commune' and to_code = ? and from_code != to_code and not is_partial",
            [PRE_REFORM_VINTAGE, REFORM_VINTAGE, target],
        ).fetchone()[0]

    hanoi_2025 = units.filter(
        (pl.col("vintage") == REFORM_VINTAGE)
        & (pl.col("level") == "commune")
        & (pl.col("province_code") == "01")
    )["code"].sort()
    codes = {**codes, "d": hanoi_2025[3], "new": NEW}
    for key in ("b", "c", "d"):
        codes[f"old_{key}"] = whole_into(codes[key])
    assert None not in codes.values() and len(set(codes.values())) == len(codes)
    return codes, units


@pytest.fixture(scope="module")
def three_vintages(
    tmp_path_factory: pytest.TempPathFactory, reference_frames
) -> Iterator[tuple[duckdb.DuckDBPyConnection, dict[str, str]]]:
    """One working database for the module (the tests only read it): the three vintages, the three
    rolls, the other provinces' aggregates and the 2024 denominators, built period by period."""
    raw = tmp_path_factory.mktemp("three_vintages") / "data" / "raw"
    with pytest.MonkeyPatch.context() as env, duckdb.connect() as connection:
        env.setenv("PIPELINE_PSEUDONYM_KEY", "test-only-pseudonym-key")
        codes, units = load_three_vintages(connection, raw / "reference", reference_frames[0])
        load_table(
            connection,
            BHYT_OBJECT_CODES,
            run_sql(connection, "reference/bhyt_object_code_rows.sql").to_arrow_table(),
        )
        run_sql(connection, "staging/create_staging_tables.sql")

        def provinces(vintage: date) -> list[str]:
            return (
                units.filter((pl.col("vintage") == vintage) & (pl.col("level") == "province"))["code"]
                .sort()
                .to_list()
            )

        for month, rows in rolls(codes).items():
            write(raw / f"rolls/{month}/roll.csv", roll(rows))
        aggregates = [
            f"{period},province,{code},{scheme},{participants},{vintage}"
            for period, vintage in PERIODS.values()
            for code in provinces(vintage)
            if code != "01"
            for scheme, participants in AGGREGATE.items()
        ]
        write(
            raw / "aggregates/provinces.csv",
            "as_of,unit_level,unit_code,scheme,participants,vintage\n" + "\n".join(aggregates) + "\n",
        )
        for kind, (hanoi, other) in DENOMINATORS.items():
            lines = [
                f"2024,province,{code},{hanoi if code == '01' else other}"
                for code in provinces(PRE_REFORM_VINTAGE)
            ]
            write(raw / f"{kind}/2024.csv", f"year,unit_level,unit_code,{kind}\n" + "\n".join(lines) + "\n")
        # 2025 population and BHYT targets of A, B and C on the 2025 units (TARGETS_2025).
        write(
            raw / "population/2025.csv",
            "year,unit_level,unit_code,population\n"
            + "".join(f"2025,commune,{codes[key]},{people}\n" for key, (people, _) in TARGETS_2025.items()),
        )
        write(
            raw / "targets/2025.csv",
            "year,unit_level,unit_code,indicator,target_pct\n"
            + "".join(f"2025,commune,{codes[key]},bhyt,{pct}\n" for key, (_, pct) in TARGETS_2025.items()),
        )
        build(connection, raw, list(PERIODS))
        yield connection, codes


def rows_of(connection, month: str, boundary: str, **where) -> pl.DataFrame:
    return coverage(connection, boundary=boundary, **where).filter(pl.col("period") == PERIODS[month][0])


def participants(frame: pl.DataFrame) -> dict[str, dict[str, int]]:
    """unit_code -> indicator -> participants, for the units with anybody."""
    result: dict[str, dict[str, int]] = {}
    for code, indicator, value in frame.select("unit_code", "indicator", "participants").iter_rows():
        result.setdefault(code, {})[indicator] = value
    return {code: values for code, values in result.items() if any(values.values())}


def expected_communes(codes: dict[str, str], month: str, boundary: str) -> dict[str, dict[str, int]]:
    return {codes[key]: values for key, values in EXPECTED[(month, boundary)].items()}


def test_as_reported_reads_each_period_on_the_vintage_in_force_then(three_vintages):
    """as_reported is the map of each period's own time: 2024 on the pre-reform vintage with its
    districts and 63 provinces, August 2025 on the 2025 map (B and C as they were), June 2026 on the
    invented map (no B any more, a new 99999), with the hand-computed counts and nothing approximate."""
    connection, codes = three_vintages
    communes_of = {}
    for month, (_, vintage) in PERIODS.items():
        rows = rows_of(connection, month, "as_reported")
        assert rows["vintage"].unique().to_list() == [vintage], month
        assert not rows["approximate"].any(), month
        levels = set(rows["level"])
        assert levels == (
            {"nation", "province", "district", "commune"}
            if month == "2024-09"
            else {"nation", "province", "commune"}
        ), month
        assert rows.filter(pl.col("level") == "province")["unit_code"].n_unique() == (
            63 if month == "2024-09" else 34
        )
        communes = rows.filter(pl.col("level") == "commune")
        assert participants(communes) == expected_communes(codes, month, "as_reported"), month
        assert participants(rows.filter(pl.col("unit_code") == "01")) == {"01": HANOI[month]}, month
        assert (communes["source"] == "roll").all(), month
        communes_of[month] = set(communes["unit_code"])

    # 2024's districts re-sum their communes: old_b and old_c lie in one district, old_d in another.
    district_of = dict(
        connection.execute(
            "select code, parent_code from ref.admin_units where vintage = ? and code in (?, ?, ?)",
            [PRE_REFORM_VINTAGE, codes["old_b"], codes["old_c"], codes["old_d"]],
        ).fetchall()
    )
    assert district_of[codes["old_b"]] == district_of[codes["old_c"]] != district_of[codes["old_d"]]
    districts = participants(rows_of(connection, "2024-09", "as_reported", level="district"))
    assert districts == {
        district_of[codes["old_b"]]: counts(bhxh=51, bb=43, tn=11, bhtn=40, bhyt=151),
        district_of[codes["old_d"]]: counts(bhyt=7),
    }
    # The 2026 map is the 2025 map without B and with 99999 (every Hà Nội commune has a row).
    assert communes_of["2025-08"] - communes_of["2026-06"] == {codes["b"]}
    assert communes_of["2026-06"] - communes_of["2025-08"] == {NEW}
    assert NEW not in communes_of["2024-09"] and codes["old_b"] in communes_of["2024-09"]
    new = rows_of(connection, "2026-06", "as_reported", unit_code=NEW, indicator="bhyt").row(0, named=True)
    assert (new["unit_name"], new["province_code"], new["participants"]) == ("Phường Mới", "01", 60)


def test_current_re_expresses_every_period_on_the_latest_vintage(three_vintages):
    """current is the 2026 map for all three periods: 2024's old_b people land in A (old_b -> B ->
    A), old_c's are split 0.6 / 0.4 between C and 99999 by largest remainder (101 BHYT -> 61 / 40),
    likewise 2025's C (201 -> 121 / 80); both receivers are approximate in 2024 and 2025, while 2025's
    A and D, reached by whole links only, are not (in 2024 they also receive split pre-reform communes
    of the package, so their flag there is not asserted). Hà Nội and the merged provinces re-sum
    exactly, with their 2024 denominators; June 2026 needs no re-expression."""
    connection, codes = three_vintages
    for month in PERIODS:
        rows = rows_of(connection, month, "current")
        assert rows["vintage"].unique().to_list() == [LATEST], month
        assert set(rows["level"]) == {"nation", "province", "commune"}, month
        assert rows.filter(pl.col("level") == "province")["unit_code"].n_unique() == 34
        communes = rows.filter(pl.col("level") == "commune")
        assert codes["b"] not in set(communes["unit_code"])
        assert participants(communes) == expected_communes(codes, month, "current"), month
        hanoi = rows.filter(pl.col("unit_code") == "01")
        assert participants(hanoi) == {"01": HANOI[month]} and not hanoi["approximate"].any(), month
        split = communes.filter(pl.col("unit_code").is_in([codes["c"], NEW]))
        assert split.height == 10 and split["approximate"].all() == (month != "2026-06"), month
        assert split["approximate"].any() == (month != "2026-06"), month
    merged_2025 = rows_of(connection, "2025-08", "current", level="commune").filter(
        pl.col("unit_code").is_in([codes["a"], codes["d"]])
    )
    assert merged_2025.height == 10 and not merged_2025["approximate"].any()
    # 2026 needs no re-expression: current is as_reported row for row.
    columns = [c for c in rows_of(connection, "2026-06", "current").columns if c != "boundary"]
    key = ["level", "unit_code", "indicator"]
    assert (
        rows_of(connection, "2026-06", "current")
        .select(columns)
        .sort(key)
        .equals(rows_of(connection, "2026-06", "as_reported").select(columns).sort(key))
    )

    # New Bắc Ninh (24) in 2024 is old Bắc Giang (24) + old Bắc Ninh (27), aggregates and denominators
    # alike, carried from the pre-reform map straight onto the 2026 one.
    bac_ninh = rows_of(connection, "2024-09", "current", level="province", unit_code="24")
    got = {r["indicator"]: r for r in bac_ninh.iter_rows(named=True)}
    assert {i: r["participants"] for i, r in got.items()} == counts(
        bhxh=220, bb=200, tn=20, bhtn=160, bhyt=2000
    )
    assert (got["bhyt"]["denominator"], got["bhxh"]["denominator"]) == (2_000_000, 1_000_000)
    assert {(r["source"], r["approximate"]) for r in got.values()} == {("aggregate", False)}

    # The BHYT object codes follow the same links: old_c's 101 pupils (HS) are 61 in C and 40 in 99999.
    groups = connection.execute(
        "select period, unit_code, object_code, participants from marts.bhyt_groups "
        "where boundary = 'current' and level = 'commune' and unit_code in (?, ?, ?) order by all",
        [codes["a"], codes["c"], NEW],
    ).fetchall()
    assert groups == [
        (PERIODS["2024-09"][0], codes["a"], "GD", 50),
        (PERIODS["2024-09"][0], codes["c"], "HS", 61),
        (PERIODS["2024-09"][0], NEW, "HS", 40),
        (PERIODS["2025-08"][0], codes["a"], "GD", 50),
        (PERIODS["2025-08"][0], codes["c"], "HS", 121),
        (PERIODS["2025-08"][0], NEW, "HS", 80),
        (PERIODS["2026-06"][0], codes["a"], "GD", 40),
        (PERIODS["2026-06"][0], codes["c"], "HS", 25),
        (PERIODS["2026-06"][0], NEW, "GD", 60),
    ]


def test_national_totals_are_the_hand_computed_ones_on_both_boundaries(three_vintages):
    """For every period and indicator the nation has exactly one row per boundary, with the same
    participants (Hà Nội's roll plus the other provinces' aggregates), denominator and rate on both;
    2024's rate is over the 2024 denominators, the later years have none."""
    connection, _ = three_vintages
    for month in PERIODS:
        nation = {
            boundary: rows_of(connection, month, boundary, level="nation").sort("indicator")
            for boundary in ("as_reported", "current")
        }
        for boundary, rows in nation.items():
            assert dict(rows.select("indicator", "participants").rows()) == NATION[month], (month, boundary)
            assert set(rows["source"]) == {"mixed"} and not rows["approximate"].any()
        compared = ["indicator", "participants", "denominator", "denominator_kind", "coverage_pct", "source"]
        assert nation["as_reported"].select(compared).equals(nation["current"].select(compared)), month
        rates = {r["indicator"]: r for r in nation["current"].iter_rows(named=True)}
        if month == "2024-09":
            assert rates["bhyt"]["denominator"] == 70_000_000
            assert rates["bhyt"]["coverage_pct"] == pytest.approx(62_158 * 100 / 70_000_000)
            assert rates["bhxh"]["denominator"] == 35_000_000
            assert rates["bhxh"]["coverage_pct"] == pytest.approx(6_871 * 100 / 35_000_000)
        else:
            assert {r["denominator"] for r in rates.values()} == {None}, month
    # The aggregates carry no BHYT object codes: the nation's groups are the roll's, on both boundaries.
    groups = connection.execute(
        "select period, boundary, object_code, participants from marts.bhyt_groups "
        "where level = 'nation' order by all"
    ).fetchall()
    assert groups == [
        (PERIODS[month][0], boundary, code, value)
        for month, by_code in (
            ("2024-09", {"GD": 57, "HS": 101}),
            ("2025-08", {"GD": 50, "HS": 201}),
            ("2026-06", {"GD": 100, "HS": 25}),
        )
        for boundary in ("as_reported", "current")
        for code, value in by_code.items()
    ]


def test_a_2026_roll_remaps_codes_of_earlier_vintages_that_went_whole_and_quarantines_split_ones(
    tmp_path: Path, connection, reference_frames
):
    """A June 2026 roll that still uses old codes: B's 2025 code (merged whole into A) and a pre-reform
    commune that went whole into B are read as A (two steps of whole links); a pre-reform commune that
    went whole into C, which 2026 split, cannot be placed and is quarantined."""
    raw = tmp_path / "raw"
    codes, _ = load_three_vintages(connection, raw / "reference", reference_frames[0])
    write(
        raw / "rolls/2026-06/roll.csv",
        roll(
            persons(1, 10, "BHYT", codes["b"], "GD")
            + persons(101, 6, "BHYT", codes["old_b"], "GD")
            + persons(201, 4, "BHYT", codes["old_c"], "GD")
            + persons(301, 3, "BHYT", NEW, "GD")
        ),
    )
    report = ingest.ingest_roll_month(connection, raw, "2026-06")
    assert (report.accepted, report.remapped_codes) == (19, 16)
    assert report.quarantined_by_rule == {"pre_reform_code_split": 4}
    run_sql(connection, "marts/create_mart_tables.sql")
    build_period(connection, "2026-06")
    reported = participants(coverage(connection, boundary="as_reported", level="commune", indicator="bhyt"))
    assert reported == {codes["a"]: {"bhyt": 16}, NEW: {"bhyt": 3}}


def test_targets_of_2025_follow_the_2026_reorganisation(three_vintages):
    """On the 2026 units, August 2025's A is A + B of 2025: 900 + 400 = 1,300 persons of 1,500 people
    (86.667 %); C's 950 persons and 1,000 people split 0.6 / 0.4: 570 of 600 and 380 of 400 (95 %),
    approximate. As reported, the 2025 units keep their own targets."""
    connection, codes = three_vintages
    bhyt = rows_of(connection, "2025-08", "current", level="commune", indicator="bhyt")
    got = {row["unit_code"]: row for row in bhyt.iter_rows(named=True)}
    a, c, new = got[codes["a"]], got[codes["c"]], got[NEW]
    assert (a["participants"], a["denominator"], a["persons_to_target"]) == (50, 1500, 1300 - 50)
    assert a["target_pct"] == pytest.approx(1300 * 100 / 1500)
    assert (c["participants"], c["denominator"], c["persons_to_target"]) == (121, 600, 570 - 121)
    assert (new["participants"], new["denominator"], new["persons_to_target"]) == (80, 400, 380 - 80)
    assert c["target_pct"] == pytest.approx(95.0) and new["target_pct"] == pytest.approx(95.0)
    assert c["approximate"] and new["approximate"]
    b = rows_of(connection, "2025-08", "as_reported", unit_code=codes["b"], indicator="bhyt").row(
        0, named=True
    )
    assert (b["target_pct"], b["persons_to_target"]) == (80.0, 400 - 20)
