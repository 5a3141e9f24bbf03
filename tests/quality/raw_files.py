"""Small raw files of the raw contract, clean enough for every suite to pass (post-reform codes: Hà Nội
province 01, communes 00004 Ba Đình and 00008 Ngọc Hà of the 2025-07-01 vintage)."""

from __future__ import annotations

from pathlib import Path

ROLL_HEADER = "person_id,scheme,commune_code,sex,birth_year,bhyt_object_code,bhyt_card_no,valid_from,valid_to"

ROLL_ROWS = [
    # BHYT: households, pupils, a child under 6, one card expired before the snapshot (inactive).
    "0100000001,BHYT,00004,F,1980,GD,,2025-01-01,2025-12-31",
    "0100000002,BHYT,00004,M,1978,GD,,2025-01-01,2025-12-31",
    "0100000003,BHYT,00004,F,2012,HS,,2024-09-01,2025-09-30",
    "0100000004,BHYT,00004,M,2022,TE,,,",
    "0100000005,BHYT,00004,M,1990,DN,,2025-01-01,2025-06-30",
    "0100000006,BHYT,00008,F,1955,HT,,,",
    "0100000007,BHYT,00008,M,1985,DN,,2025-01-01,2025-12-31",
    "0100000008,BHYT,00008,F,2021,TE,,,",
    # BHXH and BHTN: working-age people.
    "0100000001,BHXH_TN,00004,F,1980,,,2025-01-01,",
    "0100000005,BHXH_BB,00004,M,1990,,,2020-03-01,",
    "0100000007,BHXH_BB,00008,M,1985,,,2019-01-01,",
    "0100000007,BHTN,00008,M,1985,,,2019-01-01,",
    "0100000009,BHXH_BB,00008,F,1995,,,2023-05-01,",
    "0100000009,BHTN,00008,F,1995,,,2023-05-01,",
]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_clean_sources(raw: Path, population_of_00004: int = 65_000) -> None:
    """A roll for 2025-08 and every table source for 2025, all plausible."""
    write(raw / "rolls/2025-08/roll.csv", "\n".join([ROLL_HEADER, *ROLL_ROWS]) + "\n")
    write(
        raw / "aggregates/aggregates.csv",
        "as_of,unit_level,unit_code,scheme,participants\n"
        "2025-07-31,province,01,BHYT,8150000\n"
        "2025-08-31,province,01,BHYT,8200000\n"
        "2025-08-31,province,01,BHXH,2300000\n",
    )
    write(
        raw / "population/population.csv",
        "year,unit_level,unit_code,population,source\n"
        "2025,nation,VN,101300000,GSO\n"
        "2025,province,01,8700000,GSO\n"
        f"2025,commune,00004,{population_of_00004},GSO\n"
        "2025,commune,00008,50000,GSO\n",
    )
    write(
        raw / "labour_force/labour_force.csv",
        "year,unit_level,unit_code,labour_force\n"
        "2025,nation,VN,47000000\n"
        "2025,province,01,4300000\n"
        "2025,commune,00004,30000\n"
        "2025,commune,00008,24000\n",
    )
    write(
        raw / "targets/targets.csv",
        "year,unit_level,unit_code,indicator,target_pct\n"
        "2025,province,01,bhyt,95\n"
        "2025,province,01,bhxh,55\n"
        "2025,province,01,bhxh_bb,45\n"
        "2025,province,01,bhxh_tn,10\n"
        "2025,nation,VN,bhtn,35\n",
    )
    write(
        raw / "plans/plans.csv",
        "year,unit_level,unit_code,scheme,bhyt_object_code,planned_new\n"
        "2025,province,01,BHYT,GD,12000\n"
        "2025,province,01,BHXH_TN,5000\n",
    )
