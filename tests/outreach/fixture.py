"""A small committed fixture for the resident register and outreach: one commune of Hà Nội (today's
units), two villages, eight residents built so that every list is known by construction, rolls for the
register's month and the three before it, and a few register rows that break the contract."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROLL_HEADER, write

COMMUNE = "00004"
MONTH = "2025-12"
ROLL_MONTHS = ("2025-09", "2025-10", "2025-11", "2025-12")
EAST, GROUP_3 = "Thôn Đông", "Tổ dân phố 3"
# The lists of `python -m pipeline outreach`, in the order of marts.outreach's counts.
LISTS = ("not_covered_bhyt", "not_covered_bhxh", "lapsed", "due_to_renew")
REGISTER_HEADER = "person_id,commune_code,village,household_id,sex,birth_year,full_name,address,phone"


@dataclass(frozen=True)
class Resident:
    person_id: str
    village: str
    household: str
    sex: str
    birth_year: int
    name: str
    lists: frozenset[str]  # what the outreach lists say they miss (by construction)
    last_card_end: str = ""


def _r(n: int, village: str, household: str, sex: str, year: int, name: str, *lists: str, end: str = ""):
    return Resident(f"79{n:08d}", village, household, sex, year, name, frozenset(lists), end)


# Ages in 2025: working age is 15 to 62 for men and 15 to 57 for women (retirement age rounded up).
RESIDENTS = (
    _r(1, EAST, "H1", "M", 1990, "Nguyễn Văn An"),  # BHYT and BHXH_BB: nothing missing
    # BHYT in September only: lapsed; of working age without BHXH
    _r(2, EAST, "H1", "F", 1985, "Trần Thị Bình", "not_covered_bhyt", "lapsed", "not_covered_bhxh",
       end="2025-09-30"),
    _r(3, EAST, "H2", "M", 2010, "Lê Văn Cường", "not_covered_bhyt", "not_covered_bhxh"),  # 15: working age
    _r(4, EAST, "H2", "F", 1950, "Phạm Thị Dung", "not_covered_bhyt"),  # 75: past working age
    _r(5, EAST, "H3", "M", 1995, "Hoàng Văn Em", "due_to_renew", "not_covered_bhxh"),  # card ends in January
    # A card in December's roll that ended in November: lapsed
    _r(6, GROUP_3, "H4", "M", 1980, "Vũ Văn Phúc", "not_covered_bhyt", "lapsed", "not_covered_bhxh",
       end="2025-11-30"),
    _r(7, GROUP_3, "H4", "F", 2000, "Đặng Thị Giang"),  # BHYT and BHXH_TN
    _r(8, GROUP_3, "H5", "M", 1960, "Bùi Văn Hải", "not_covered_bhyt"),  # 65: past working age
)  # fmt: skip
BY_NAME = {r.name: r for r in RESIDENTS}


def _roll_row(resident: Resident, scheme: str, valid_to: str = "2026-06-30", commune: str = COMMUNE) -> str:
    code = "GD" if scheme == "BHYT" else ""
    return (
        f"{resident.person_id},{scheme},{commune},{resident.sex},{resident.birth_year},{code},,"
        f"2025-01-01,{valid_to}"
    )


def write_rolls(raw: Path) -> None:
    r = {n: RESIDENTS[n - 1] for n in range(1, 9)}
    # Somebody covered in this commune's roll who lives in another commune.
    elsewhere = Resident("7999999999", EAST, "H9", "F", 1970, "", frozenset())
    for month in ROLL_MONTHS:
        rows = [
            _roll_row(r[1], "BHYT"),
            _roll_row(r[1], "BHXH_BB"),
            _roll_row(r[5], "BHYT", "2026-01-15"),
            _roll_row(r[7], "BHYT"),
            _roll_row(r[7], "BHXH_TN"),
            _roll_row(elsewhere, "BHYT"),
        ]
        if month == "2025-09":
            rows.append(_roll_row(r[2], "BHYT", "2025-09-30"))
        if month == "2025-12":
            rows.append(_roll_row(r[6], "BHYT", "2025-11-30"))
        write(raw / f"rolls/{month}/part-01.csv", "\n".join([ROLL_HEADER, *rows]) + "\n")


def register_rows() -> list[str]:
    return [
        f"{r.person_id},{COMMUNE},{r.village},{r.household},{r.sex},{r.birth_year},{r.name},"
        f"Số {n} {r.village},09{n:08d}"
        for n, r in enumerate(RESIDENTS, start=1)
    ]


# Register rows that break the contract, each with the rule it breaks.
BAD_REGISTER_ROWS = {
    f"{RESIDENTS[0].person_id},{COMMUNE},{EAST},H1,M,1990,Nguyễn Văn An,Số 1,0900000001": "duplicate_person",
    f"12345,{COMMUNE},{EAST},H7,F,1991,Ngô Thị Sai,Số 9 {EAST},0911111111": "invalid_person_id",
    f"7900000091,{COMMUNE},,H8,F,1992,Đỗ Thị Thiếu,Không rõ,": "missing_village",
    f"7900000092,99999,{EAST},H8,M,1993,Lý Văn Lạ,Số 3 {EAST},": "unknown_commune_code",
    f"7900000093,{COMMUNE},{EAST},H8,M,2031,Mai Văn Tương,Số 4 {EAST},": "impossible_birth_year",
    f"7900000094,{COMMUNE},{EAST},H8,X,1980,Chu Văn Giới,Số 5 {EAST},": "invalid_sex",
}  # fmt: skip


def write_register(raw: Path, month: str = MONTH, bad_rows: bool = True) -> Path:
    rows = register_rows() + (list(BAD_REGISTER_ROWS) if bad_rows else [])
    return write(raw / f"residents/{month}/part-01.csv", "\n".join([REGISTER_HEADER, *rows]) + "\n")


def write_denominators(raw: Path) -> None:
    write(raw / "population/2025.csv", f"year,unit_level,unit_code,population\n2025,commune,{COMMUNE},10\n")
    write(
        raw / "labour_force/2025.csv",
        f"year,unit_level,unit_code,labour_force\n2025,commune,{COMMUNE},8\n",
    )


def expected_list(name: str, village: str | None = None) -> set[str]:
    return {r.name for r in RESIDENTS if name in r.lists and village in (None, r.village)}
