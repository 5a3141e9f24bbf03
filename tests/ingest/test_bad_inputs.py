"""A catalogue of malformed inputs, each with its expected outcome: a file-level error naming the
file (and the problem), a quarantine row naming the rule, or acceptance after normalisation.

Every case runs the real ingestion functions on files written to tmp_path, against the real reference
tables. Every accepted case also proves rows read = accepted + quarantined.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipeline import ingest
from pipeline.partitions import MONTHLY
from pipeline.raw_io import RawFileError, survey_raw
from tests.conftest import ROLL_HEADER, table_text, write

MONTH = "2025-08"  # post-reform: commune 00004 exists in the 2025-07-01 vintage
GOOD = "0100000001,BHYT,00004,F,1990,GD,,2025-01-01,2025-12-31"
# Personal values planted in the cases: none may appear in an error message or in any table.
SECRET_ID = "7391046285"
SECRET_NAME = "Nguyễn Thị Bí Mật"
SECRET_ROW = f"{SECRET_ID},BHYT,00004,F,1990,GD,GD4017391046285,,,{SECRET_NAME}"
NAMED_HEADER = ROLL_HEADER + ",full_name"


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes]
    source: str = "rolls"  # or a table source name
    error: str | None = None  # regex on the RawFileError message
    quarantined: dict[int, str] = field(default_factory=dict)  # data row -> rule
    accepted: int | None = None
    expect: dict[str, object] = field(default_factory=dict)  # column -> value of the single accepted row
    expect_quarantine: dict[int, str] = field(default_factory=dict)  # data row -> offending value
    rows_read: int | None = None
    unread: dict[str, str] = field(default_factory=dict)  # path under raw/ -> regex on why it is not read


ELSEWHERE = "/tmp/coverage-pipeline-tests-elsewhere.csv"  # replaced by a path in tmp_path, see below
ELSEWHERE_DIR = "/tmp/coverage-pipeline-tests-elsewhere"


@dataclass(frozen=True)
class Symlink:
    """A symbolic link to write instead of a file (its target need not exist)."""

    target: str


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
        error=r"part-01\.csv, row 1: cannot be parsed as CSV: a quote that is not closed",
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
        error=r"part-01\.csv, row 2: cannot be parsed as CSV: 11 fields where the header has 9",
    ),
    Case(
        "unexpected file in a table source",
        {"population/notes.txt": "x"},
        source="population",
        error=r"notes\.txt: unexpected file type '\.txt'",
    ),
    # --- personal data never quoted, strict parsing (issue 10) -----------------------------------------
    Case(
        "roll without a header row",
        {ROLL_FILE: "\n".join([SECRET_ROW, SECRET_ROW.replace("1990", "1991")]) + "\n"},
        error=r"part-01\.csv, column 'person_id': required column missing \(the header has none of the "
        r"contract's columns, and 10 other column\(s\), not shown\); is the header row missing\?",
    ),
    Case(
        "stray quote before a name",
        {
            ROLL_FILE: roll(
                GOOD + ",", f'{SECRET_ID},BHYT,00004,F,1990,GD,,,,"{SECRET_NAME}', header=NAMED_HEADER
            )
        },
        error=r"part-01\.csv, row 2: cannot be parsed as CSV: a quote that is not closed",
    ),
    Case(
        "ragged row carrying a name",
        {ROLL_FILE: roll(GOOD + ",", f"{SECRET_ROW},{SECRET_NAME}", header=NAMED_HEADER)},
        error=r"part-01\.csv, row 2: cannot be parsed as CSV: 11 fields where the header has 10",
    ),
    Case(
        "parquet file named .csv",
        {ROLL_FILE: b"PAR1\x15\x04" + SECRET_NAME.encode() + b"\xff\xfe" + SECRET_ID.encode()},
        error=r"part-01\.csv: not valid UTF-8: first bad byte at offset",
    ),
    Case(
        "csv file named .parquet",
        {f"rolls/{MONTH}/part-01.parquet": roll(SECRET_ROW, header=NAMED_HEADER)},
        error=r"part-01\.parquet: unreadable Parquet file \(\w+: not Parquet, or damaged\)$",
    ),
    Case(
        "one 300 KB line without a newline",
        {ROLL_FILE: "person_id," + ",".join([SECRET_ID] * 30_000)},
        error=r"part-01\.csv: the first line has 30,001 fields \(at most 1,000\): is it a header row\?",
    ),
    Case(
        "a 2 MB name in the person_id column",
        {ROLL_FILE: roll(GOOD) + '"' + SECRET_NAME * 80_000 + '",BHYT,00004,F,1990,GD,,,\n'},
        quarantined={2: "invalid_person_id"},
    ),
    Case(
        "2 MB without a line break",
        {ROLL_FILE: SECRET_NAME * 200_000},
        error=r"part-01\.csv: no line break in the first 1,048,576 bytes: not a CSV with a header row",
    ),
    Case(
        "exact duplicate header",
        {ROLL_FILE: roll(GOOD + ",0100000009", header=ROLL_HEADER + ",person_id")},
        error=r"part-01\.csv, column 'person_id': column given twice",
    ),
    Case(
        "duplicate non-contract header is not named",
        {ROLL_FILE: roll(GOOD + ",a,b", header=ROLL_HEADER + f",{SECRET_NAME},{SECRET_NAME}")},
        error=r"part-01\.csv: column given twice$",
    ),
    Case(
        "integer person_id in parquet",
        {},
        error=r"column 'person_id': stored as Int64: identifiers must be text",
    ),
    Case(
        "person_id with a dash",
        {ROLL_FILE: roll(GOOD, "98765-43201,BHYT,00004,F,1990,GD,,,")},
        quarantined={2: "invalid_person_id"},
        expect_quarantine={2: "11 characters, not all digits"},
    ),
    Case(
        "person_id in scientific notation",
        {ROLL_FILE: roll(GOOD, "9.87654E+09,BHYT,00004,F,1990,GD,,,")},
        quarantined={2: "invalid_person_id"},
    ),
    Case(
        "person_id of letters",
        {ROLL_FILE: roll(GOOD, "abc,BHYT,00004,F,1990,GD,,,")},
        quarantined={2: "invalid_person_id"},
        expect_quarantine={2: "3 characters, not all digits"},
    ),
    Case(
        "person_id 0",
        {ROLL_FILE: roll(GOOD, "0,BHYT,00004,F,1990,GD,,,")},
        quarantined={2: "invalid_person_id"},
        expect_quarantine={2: "1 characters, all digits"},
    ),
    Case(
        "person_id of 11 digits",
        {ROLL_FILE: roll(GOOD, "01000000011,BHYT,00004,F,1990,GD,,,")},
        quarantined={2: "invalid_person_id"},
    ),
    Case(
        "12-digit personal ID accepted",
        {ROLL_FILE: roll("001190012345,BHYT,00004,F,1990,GD,,,")},
        accepted=1,
    ),
    Case(
        "two-digit year in dd/mm/yy",
        {ROLL_FILE: roll(GOOD, "0100000002,BHYT,00004,F,1990,GD,,31/05/25,")},
        quarantined={2: "invalid_valid_from"},
        expect_quarantine={2: "31/05/25"},
    ),
    Case(
        "two-digit year in yy-mm-dd",
        {ROLL_FILE: roll(GOOD, "0100000002,BHYT,00004,F,1990,GD,,,25-12-31")},
        quarantined={2: "invalid_valid_to"},
    ),
    Case(
        "two-digit year in aggregates",
        {
            "aggregates/2019.csv": table(
                "as_of,unit_level,unit_code,scheme,participants",
                "2019-12-31,province,01,BHYT,7000000",
                "31/12/19,province,02,BHYT,5",
            )
        },
        source="aggregates",
        quarantined={2: "invalid_date"},
    ),
    Case(
        "blank lines are not rows",
        {
            ROLL_FILE: "\n".join([ROLL_HEADER, "", GOOD, "", "", "0100000002,BHYT,00004,F,1990,GD,,,", ""])
            + "\n"
        },
        accepted=2,
        rows_read=2,
    ),
    Case(
        "row numbers count blank lines",
        {ROLL_FILE: "\n".join([ROLL_HEADER, GOOD, "", "0100000002,BHYT,99999,F,1990,GD,,,"]) + "\n"},
        quarantined={3: "unknown_commune_code"},
    ),
    Case(
        "line of separators only",
        {ROLL_FILE: roll(GOOD, ",,,,,,,,")},
        accepted=1,
        rows_read=1,
    ),
    Case(
        "symlinked file is not read",
        {ROLL_FILE: roll(GOOD), f"rolls/{MONTH}/part-02.csv": Symlink(ELSEWHERE)},
        accepted=1,
        rows_read=1,
        unread={f"rolls/{MONTH}/part-02.csv": "symbolic link: not followed"},
    ),
    # --- every path under raw/ is read or reported (issue 10) ---------------------------------------------
    *[
        Case(name, {ROLL_FILE: roll(GOOD), **stray}, accepted=1, unread=unread)
        for name, stray, unread in [
            (
                "month folder without a leading zero",
                {"rolls/2025-8/a.csv": roll(GOOD)},
                {"rolls/2025-8": "not a month folder"},
            ),
            (
                "month folder with a trailing space",
                {"rolls/2025-08 /a.csv": roll(GOOD)},
                {"rolls/2025-08 ": "not a month folder"},
            ),
            ("month 13", {"rolls/2026-13/a.csv": roll(GOOD)}, {"rolls/2026-13": "not a month folder"}),
            (
                "future month",
                {"rolls/2099-01/a.csv": roll(GOOD)},
                {"rolls/2099-01": "future month: partitions end at"},
            ),
            (
                "month before the history",
                {"rolls/2017-12/a.csv": roll(GOOD)},
                {"rolls/2017-12": "before the first month of the history, 2018-01"},
            ),
            (
                "file directly in rolls/",
                {"rolls/part-09.csv": roll(GOOD)},
                {"rolls/part-09.csv": "file outside a month folder"},
            ),
            (
                "capitalised source folder",
                {"Population/2025.csv": "x"},
                {"Population": "unknown folder: did you mean population/"},
            ),
            (
                "source folder with a hyphen",
                {"labour-force/2025.csv": "x"},
                {"labour-force": "unknown folder: did you mean labour_force/"},
            ),
            (
                "unknown folder",
                {"misc/2025.csv": "x"},
                {"misc": "unknown folder: not a source of the contract"},
            ),
            (
                "file at the top of raw/",
                {"rolls.csv": roll(GOOD)},
                {"rolls.csv": "file outside a source folder"},
            ),
            (
                "the generator's own files are known",
                {"GENERATED.json": "{}", "defects_manifest.csv": "x"},
                {},
            ),
            (
                "symlinked month folder",
                {"rolls/2025-09": Symlink(ELSEWHERE_DIR)},
                {"rolls/2025-09": "symbolic link"},
            ),
            (
                "dangling symlink in a source",
                {"population/2025.csv": Symlink("/nonexistent/2025.csv")},
                {"population/2025.csv": "symbolic link"},
            ),
            (
                "hidden files are ignored, as the contract says",
                {f"rolls/{MONTH}/.part-02.csv.swp": "x", ".DS_Store": "x"},
                {},
            ),
        ]
    ],
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


def _integer_id_case(tmp: Path) -> dict[str, bytes]:
    path = tmp / "integer_id.parquet"
    pl.DataFrame(
        {"person_id": [100000001, 7391046285], "scheme": ["BHYT"] * 2, "commune_code": ["00004"] * 2}
    ).write_parquet(path)
    return {f"rolls/{MONTH}/part-01.parquet": path.read_bytes()}


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


BUILT_CASES = {"parquet with typed columns": _parquet_case, "integer person_id in parquet": _integer_id_case}


def personal_values(files: dict[str, object]) -> set[str]:
    """The planted secrets, and every person_id a roll CSV of the case carries (first field of a row)."""
    found = {SECRET_ID, SECRET_NAME}
    for relative, content in files.items():
        if relative.startswith("rolls/") and isinstance(content, str):
            found |= {line.split(",")[0] for line in content.splitlines()[1:] if len(line.split(",")[0]) >= 3}
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, connection):
    raw = tmp_path / "raw"
    files = BUILT_CASES[case.name](tmp_path) if case.name in BUILT_CASES else case.files
    for relative, content in files.items():
        if isinstance(content, Symlink):
            # Links point outside raw/, into this test's own directory.
            target = {ELSEWHERE: tmp_path / "elsewhere.csv", ELSEWHERE_DIR: tmp_path / "elsewhere"}.get(
                content.target, Path(content.target)
            )
            write(tmp_path / "elsewhere.csv", roll("0100000002,BHYT,00004,F,1990,GD,,,"))
            write(tmp_path / "elsewhere" / "part-01.csv", roll("0100000002,BHYT,00004,F,1990,GD,,,"))
            (raw / relative).parent.mkdir(parents=True, exist_ok=True)
            (raw / relative).symlink_to(target)
        else:
            write(raw / relative, content)
    secrets = personal_values(files)
    unread = {u.path: u.reason for u in survey_raw(raw, "2018-01", MONTHLY.get_last_partition_key())}
    assert set(unread) == set(case.unread)
    for path, reason in case.unread.items():
        assert re.search(reason, unread[path]), (path, unread[path])

    if case.error:
        with pytest.raises(RawFileError, match=case.error) as raised:
            ingest_case(connection, raw, case.source)
        message = str(raised.value)
        assert len(message) < 400, "a message must name the problem, not carry the file"
        for secret in secrets:
            assert secret not in message
        return

    report = ingest_case(connection, raw, case.source)
    assert report.rows_read == report.accepted + report.quarantined
    if case.rows_read is not None:
        assert report.rows_read == case.rows_read
    quarantine = connection.execute(
        "select source_file, source_row, rule, offending_value from staging.quarantine "
        "order by source_file, source_row"
    ).fetchall()
    assert {row: rule for _, row, rule, _ in quarantine} == case.quarantined
    for row, value in case.expect_quarantine.items():
        assert {r: v for _, r, _, v in quarantine}[row] == value
    if case.quarantined:
        assert report.accepted == report.rows_read - len(case.quarantined)
    if case.accepted is not None:
        assert report.accepted == case.accepted
    if case.expect:
        row = connection.execute(ACCEPTED_ROWS_SQL[case.source] + " limit 1").pl().row(0, named=True)
        for column, value in case.expect.items():
            assert row[column] == value, column
    text = table_text(connection)
    for secret in secrets:
        assert secret not in text, f"{secret!r} stored in a table"


def test_catalogue_is_broad_enough():
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)
