"""A catalogue of malformed inputs, each with its expected outcome: a file-level error naming the
file (and the problem), a quarantine row naming the rule, or acceptance after normalisation.

Every case runs the real ingestion functions on files written to tmp_path, against the real reference
tables. Every accepted case also proves rows read = accepted + quarantined.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipeline import ingest
from pipeline.raw_io import RawFileError
from tests.conftest import ROLL_HEADER, write

MONTH = "2025-08"  # post-reform: commune 00004 exists in the 2025-07-01 vintage
GOOD = "0100000001,BHYT,00004,F,1990,GD,,2025-01-01,2025-12-31"


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes]
    source: str = "rolls"  # or a table source name
    error: str | None = None  # regex on the RawFileError message
    quarantined: dict[int, str] = field(default_factory=dict)  # data row -> rule
    accepted: int | None = None
    expect: dict[str, object] = field(default_factory=dict)  # column -> value of the single accepted row


def roll(*rows: str, header: str = ROLL_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def table(header: str, *rows: str) -> str:
    return "\n".join([header, *rows]) + "\n"


ROLL_FILE = f"rolls/{MONTH}/part-01.csv"

CASES = [
    # --- file-level errors: the asset fails, naming the file -----------------------------------------
    Case(
        "windows-1258 encoded file",
        {
            ROLL_FILE: roll(GOOD).encode()
            + "Hà Tĩnh".encode("cp1258", "replace")
            + unicodedata.normalize("NFD", "Hà Tĩnh").encode("cp1258")
        },
        error=r"part-01\.csv: not valid UTF-8: first bad byte at offset \d+",
    ),
    Case(
        "truncated parquet",
        {f"rolls/{MONTH}/part-01.parquet": b"PAR1" + b"\x00" * 100},
        error=r"part-01\.parquet: unreadable Parquet file",
    ),
    Case(
        "csv with a stray quote",
        {ROLL_FILE: roll('"0100000001,BHYT,00004,F,1990,GD,,,', GOOD)},
        error=r"part-01\.csv: cannot be parsed as CSV",
    ),
    Case("header-only file", {ROLL_FILE: roll()}, error=r"part-01\.csv: has no data rows"),
    Case("zero-byte file", {ROLL_FILE: b""}, error=r"part-01\.csv: is empty \(0 bytes\)"),
    Case(
        "folder with a stray xlsx",
        {ROLL_FILE: roll(GOOD), f"rolls/{MONTH}/summary.xlsx": b"PK\x03\x04"},
        error=r"summary\.xlsx: unexpected file type '\.xlsx' in rolls/2025-08/",
    ),
    Case(
        "required column missing",
        {ROLL_FILE: "person_id,commune_code\n0100000001,00004\n"},
        error=r"part-01\.csv, column 'scheme': required column missing",
    ),
    Case(
        "column given twice",
        {ROLL_FILE: roll(GOOD + ",x", header=ROLL_HEADER + ",Person_ID ")},
        error=r"column 'person_id': column given twice",
    ),
    Case(
        "row with too many fields",
        {ROLL_FILE: roll(GOOD, GOOD + ",extra,fields")},
        error=r"part-01\.csv: cannot be parsed as CSV",
    ),
    Case(
        "unexpected file in a table source",
        {"population/notes.txt": "x"},
        source="population",
        error=r"notes\.txt: unexpected file type '\.txt'",
    ),
    # --- accepted after normalisation --------------------------------------------------------------------
    Case(
        "mixed-case headers with spaces",
        {
            ROLL_FILE: roll(
                GOOD,
                header=" Person_ID , SCHEME,Commune_Code ,Sex,"
                "Birth_Year,BHYT_Object_Code,bhyt_card_no,Valid_From,VALID_TO",
            )
        },
        accepted=1,
        expect={"scheme": "BHYT", "commune_code": "00004"},
    ),
    Case("utf-8 bom", {ROLL_FILE: b"\xef\xbb\xbf" + roll(GOOD).encode()}, accepted=1),
    Case(
        "dd/mm/yyyy dates",
        {ROLL_FILE: roll("0100000001,BHYT,00004,F,1990,GD,,01/02/2025,31/01/2026")},
        accepted=1,
        expect={"valid_from": "2025-02-01", "valid_to": "2026-01-31", "is_active": True},
    ),
    Case(
        "code that lost its leading zeros",
        {ROLL_FILE: roll("0100000001,BHYT,4,F,1990,GD,,,")},
        accepted=1,
        expect={"commune_code": "00004"},
    ),
    Case(
        "decomposed (NFD) Vietnamese",
        {ROLL_FILE: roll(unicodedata.normalize("NFD", "0100000001,BHYT,00004,Nữ,1990,GD,,,"))},
        accepted=1,
        expect={"sex": "F"},
    ),
    Case(
        "extra personal columns are dropped",
        {
            ROLL_FILE: roll(
                GOOD + ",Nguyễn Thị Lan,001190012345", header=ROLL_HEADER + ",full_name,citizen_id"
            )
        },
        accepted=1,
    ),
    Case(
        "object code from the card number",
        {ROLL_FILE: roll("0100000001,BHYT,00004,F,2010,,HS4010123456789,,")},
        accepted=1,
        expect={"bhyt_object_code": "HS"},
    ),
    Case(
        "expired card kept but inactive",
        {ROLL_FILE: roll("0100000001,BHYT,00004,F,1990,GD,,2024-01-01,2025-06-30")},
        accepted=1,
        expect={"is_active": False},
    ),
    Case(
        "person in both BHXH_BB and BHXH_TN is flagged, not dropped",
        {ROLL_FILE: roll("0100000001,BHXH_BB,00004,M,1980,,,,", "0100000001,BHXH_TN,00004,M,1980,,,,")},
        accepted=2,
        expect={"in_both_bhxh": True},
    ),
    Case("parquet with typed columns", {}, accepted=1, expect={"birth_year": 1990}),  # filled in below
    # --- quarantined rows ------------------------------------------------------------------------------
    Case(
        "unknown scheme",
        {ROLL_FILE: roll(GOOD, "0100000002,BHXH_XX,00004,F,1990,,,,")},
        quarantined={2: "unknown_scheme"},
    ),
    Case(
        "unknown commune code",
        {ROLL_FILE: roll(GOOD, "0100000002,BHYT,99999,F,1990,GD,,,")},
        quarantined={2: "unknown_commune_code"},
    ),
    Case(
        "missing bhyt object code",
        {ROLL_FILE: roll(GOOD, "0100000002,BHYT,00004,F,1990,,,,")},
        quarantined={2: "missing_bhyt_object_code"},
    ),
    Case(
        "invalid bhyt object code",
        {ROLL_FILE: roll(GOOD, "0100000002,BHYT,00004,F,1990,ZZ,,,")},
        quarantined={2: "invalid_bhyt_object_code"},
    ),
    Case(
        "impossible birth years",
        {
            ROLL_FILE: roll(
                GOOD,
                "0100000002,BHYT,00004,F,1850,GD,,,",
                "0100000003,BHYT,00004,F,2090,GD,,,",
                "0100000004,BHYT,00004,F,abc,GD,,,",
            )
        },
        quarantined={2: "impossible_birth_year", 3: "impossible_birth_year", 4: "impossible_birth_year"},
    ),
    # A short row is padded with nulls by the CSV reader; the missing code then quarantines it.
    Case(
        "row with too few fields",
        {ROLL_FILE: roll(GOOD, "0100000002,BHYT")},
        quarantined={2: "missing_commune_code"},
    ),
    Case(
        "duplicate person-scheme row",
        {ROLL_FILE: roll(GOOD, GOOD)},
        quarantined={2: "duplicate_person_scheme"},
    ),
    Case(
        "duplicate across two files of the month",
        {ROLL_FILE: roll(GOOD), f"rolls/{MONTH}/part-02.csv": roll(GOOD)},
        quarantined={1: "duplicate_person_scheme"},
    ),
    Case(
        "missing person id",
        {ROLL_FILE: roll(GOOD, ",BHYT,00004,F,1990,GD,,,")},
        quarantined={2: "missing_person_id"},
    ),
    Case(
        "invalid sex",
        {ROLL_FILE: roll(GOOD, "0100000002,BHYT,00004,X,1990,GD,,,")},
        quarantined={2: "invalid_sex"},
    ),
    Case(
        "impossible date",
        {ROLL_FILE: roll(GOOD, "0100000002,BHYT,00004,F,1990,GD,,2025-02-30,")},
        quarantined={2: "invalid_valid_from"},
    ),
    Case(
        "card valid_from after valid_to",
        {ROLL_FILE: roll(GOOD, "0100000002,BHYT,00004,F,1990,GD,,2025-06-01,2025-01-01")},
        quarantined={2: "valid_from_after_valid_to"},
    ),
    Case(
        "negative count in aggregates",
        {
            "aggregates/2019.csv": table(
                "as_of,unit_level,unit_code,scheme,participants",
                "2019-12-31,province,01,BHYT,7000000",
                "2019-12-31,province,02,BHYT,-5",
            )
        },
        source="aggregates",
        quarantined={2: "negative_count"},
    ),
    Case(
        "unknown scheme in aggregates",
        {
            "aggregates/2019.csv": table(
                "as_of,unit_level,unit_code,scheme,participants",
                "31/12/2019,province,1,BHXH,3000000",
                "2019-12-31,province,02,XYZ,5",
            )
        },
        source="aggregates",
        quarantined={2: "unknown_scheme"},
    ),
    Case(
        "zero denominator",
        {
            "population/2025.csv": table(
                "year,unit_level,unit_code,population", "2025,province,01,8500000", "2025,commune,00004,0"
            )
        },
        source="population",
        quarantined={2: "non_positive_denominator"},
    ),
    Case(
        "duplicate denominator",
        {
            "labour_force/2025.csv": table(
                "year,unit_level,unit_code,labour_force",
                "2025,province,01,4000000",
                "2025,province,1,4100000",
            )
        },
        source="labour_force",
        quarantined={2: "duplicate_row"},
    ),
    Case(
        "unknown unit level",
        {
            "population/2025.csv": table(
                "year,unit_level,unit_code,population", "2025,province,01,8500000", "2025,ward,00004,1000"
            )
        },
        source="population",
        quarantined={2: "invalid_unit_level"},
    ),
    Case(
        "district code after the reform",
        {
            "population/2025.csv": table(
                "year,unit_level,unit_code,population", "2025,province,01,8500000", "2025,district,001,200000"
            )
        },
        source="population",
        quarantined={2: "unknown_unit_code"},
    ),
    Case(
        "invalid year",
        {
            "population/x.csv": table(
                "year,unit_level,unit_code,population",
                "2025,province,01,8500000",
                "twenty,province,02,800000",
            )
        },
        source="population",
        quarantined={2: "invalid_year"},
    ),
    Case(
        "target above 100",
        {
            "targets/2025.csv": table(
                "year,unit_level,unit_code,indicator,target_pct",
                "2025,province,01,bhyt,95",
                "2025,province,04,bhxh,101.5",
            )
        },
        source="targets",
        quarantined={2: "target_out_of_range"},
    ),
    Case(
        "unknown indicator",
        {
            "targets/2025.csv": table(
                "year,unit_level,unit_code,indicator,target_pct",
                "2025,province,01,bhyt,95",
                "2025,province,04,pension,40",
            )
        },
        source="targets",
        quarantined={2: "unknown_indicator"},
    ),
    Case(
        "object code on a non-BHYT plan",
        {
            "plans/2025.csv": table(
                "year,unit_level,unit_code,scheme,bhyt_object_code,planned_new",
                "2025,province,01,BHYT,GD,12000",
                "2025,province,01,BHXH_TN,GD,500",
            )
        },
        source="plans",
        quarantined={2: "invalid_bhyt_object_code"},
    ),
    Case(
        "declared vintage column",
        {
            "population/2024.csv": table(
                "year,unit_level,unit_code,population,vintage", "2026,province,24,1900000,2024-01-01"
            )
        },
        source="population",
        accepted=1,
        expect={"vintage": "2000-01-01", "unit_code": "24"},
    ),
]


def _parquet_case(tmp: Path) -> dict[str, bytes]:
    path = tmp / "typed.parquet"
    pl.DataFrame(
        {
            "person_id": ["0100000001"],
            "scheme": ["BHYT"],
            "commune_code": ["00004"],
            "birth_year": [1990],
            "bhyt_object_code": ["GD"],
            "valid_from": [date(2025, 1, 1)],
        },
    ).write_parquet(path)
    return {f"rolls/{MONTH}/part-01.parquet": path.read_bytes()}


def ingest_case(connection, raw: Path, source: str) -> ingest.IngestReport:
    if source == "rolls":
        return ingest.ingest_roll_month(connection, raw, MONTH)
    return ingest.ingest_table_source(
        connection, raw, next(s for s in ingest.TABLE_SOURCES if s.name == source)
    )


ACCEPTED_ROWS_SQL = {
    "rolls": "select * replace (valid_from::varchar as valid_from, valid_to::varchar as valid_to) "
    "from staging.rolls",
    "population": "select * replace (vintage::varchar as vintage) from staging.denominators",
}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, connection):
    raw = tmp_path / "raw"
    files = _parquet_case(tmp_path) if case.name == "parquet with typed columns" else case.files
    for relative, content in files.items():
        write(raw / relative, content)

    if case.error:
        with pytest.raises(RawFileError, match=case.error):
            ingest_case(connection, raw, case.source)
        return

    report = ingest_case(connection, raw, case.source)
    assert report.rows_read == report.accepted + report.quarantined
    quarantine = connection.execute(
        "select source_file, source_row, rule from staging.quarantine order by source_file, source_row"
    ).fetchall()
    assert {row: rule for _, row, rule in quarantine} == case.quarantined
    if case.quarantined:
        assert report.accepted == report.rows_read - len(case.quarantined)
    if case.accepted is not None:
        assert report.accepted == case.accepted
    if case.expect:
        row = connection.execute(ACCEPTED_ROWS_SQL[case.source] + " limit 1").pl().row(0, named=True)
        for column, value in case.expect.items():
            assert row[column] == value, column


def test_catalogue_is_broad_enough():
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)
