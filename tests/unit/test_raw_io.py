"""The raw contract's shared reading rules."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipeline.raw_io import (
    RawFileError,
    check_utf8,
    list_source_files,
    nfc,
    pad_code,
    parse_date,
    read_contract_file,
    read_contract_slices,
)


def test_codes_that_lost_leading_zeros_are_padded_to_their_level():
    frame = pl.DataFrame(
        {
            "code": ["1", "24", "1", "4", "97", "VN", " 7 "],
            "level": ["province", "province", "district", "commune", "commune", "nation", "commune"],
        }
    )
    assert frame.select(pad_code("code", pl.col("level")))["code"].to_list() == [
        "01",
        "24",
        "001",
        "00004",
        "00097",
        "VN",
        "00007",
    ]


def test_text_is_normalised_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Phường Phúc Xá")
    assert decomposed != "Phường Phúc Xá"
    frame = pl.DataFrame({"name": [decomposed, " Hà Nội "]})
    assert frame.select(nfc("name"))["name"].to_list() == ["Phường Phúc Xá", "Hà Nội"]


def test_both_date_forms_are_accepted_and_garbage_is_null():
    frame = pl.DataFrame({"d": ["2025-07-01", "31/12/2024", "2024-13-01", "yesterday", None]})
    assert frame.select(parse_date("d"))["d"].to_list() == [
        date(2025, 7, 1),
        date(2024, 12, 31),
        None,
        None,
        None,
    ]


def test_invalid_utf8_is_rejected_with_the_first_bad_byte_offset(tmp_path: Path):
    path = tmp_path / "windows1258.csv"
    # Windows-1258 writes Vietnamese as base letters plus combining tone bytes (0xCC for the grave).
    prefix = b"code,name\n01,Ha"
    path.write_bytes(b"code,name\n01," + unicodedata.normalize("NFD", "Hà Tĩnh").encode("cp1258") + b"\n")
    with pytest.raises(RawFileError) as caught:
        check_utf8(path)
    assert str(path) in str(caught.value)
    assert f"first bad byte at offset {len(prefix)}" in str(caught.value)


def test_columns_match_case_insensitively_after_trimming_and_extras_are_dropped(tmp_path: Path):
    path = tmp_path / "units.csv"
    path.write_text(
        "\ufeff Level ,CODE,Name,parent_code,full_name\nprovince,1,Hà Nội,VN,secret\n", encoding="utf-8"
    )
    frame = read_contract_file(path, required=["level", "code", "name", "parent_code"])
    assert frame.columns == ["source_row", "level", "code", "name", "parent_code"]
    assert frame.row(0) == (1, "province", "1", "Hà Nội", "VN")


def test_a_missing_required_column_names_the_file_and_column(tmp_path: Path):
    path = tmp_path / "units.csv"
    path.write_text("level,code,name\nprovince,01,Hà Nội\n", encoding="utf-8")
    with pytest.raises(RawFileError, match=r"units\.csv, column 'parent_code': required column missing"):
        read_contract_file(path, required=["level", "code", "name", "parent_code"])


def test_source_listing_is_recursive_skips_hidden_and_reports_other_types(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ["a.csv", "sub/b.PARQUET", "sub/notes.xlsx", ".hidden/c.csv", ".d.csv"]:
        (tmp_path / name).write_text("x")
    listing = list_source_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in listing.files] == ["a.csv", "sub/b.PARQUET"]
    assert [p.name for p in listing.unexpected] == ["notes.xlsx"]


def test_a_large_parquet_file_comes_in_slices_with_the_whole_files_rows_and_numbers(tmp_path: Path):
    path = tmp_path / "rolls.parquet"
    pl.DataFrame(
        {
            "Person_ID": [f"01000000{i:02d}" for i in range(7)],
            "scheme": ["BHYT"] * 7,
            "birth_year": range(1990, 1997),
        }
    ).write_parquet(path, row_group_size=2)
    required, optional = ["person_id", "scheme"], ["birth_year"]

    slices = list(
        read_contract_slices(path, required, optional, keep_types=True, max_rows=3, spill_dir=tmp_path)
    )

    assert [s.height for s in slices] == [3, 3, 1]
    assert [s["source_row"].to_list() for s in slices] == [[1, 2, 3], [4, 5, 6], [7]]
    assert pl.concat(slices).equals(read_contract_file(path, required, optional, keep_types=True))
    assert len(list(read_contract_slices(path, required, optional, max_rows=7, spill_dir=tmp_path))) == 1


def test_a_large_csv_file_comes_in_slices_with_blank_lines_still_counted(tmp_path: Path):
    path = tmp_path / "rolls.csv"
    # A BOM, a blank line, a line of empty values, a quoted line break: rows 2 and 4 are not rows, and
    # every row keeps the number it has in the file.
    path.write_bytes(
        "\ufeffPerson_ID,scheme,commune_code\n"
        '0100000001,BHYT,00004\n\n0100000002,"BH\nYT",00004\n,,\n0100000003,BHYT,00005\n0100000004,BHYT,4\n'.encode()
    )
    required = ["person_id", "scheme", "commune_code"]
    spill = tmp_path / "spill"

    slices = list(read_contract_slices(path, required, max_rows=2, spill_dir=spill))

    assert [s["source_row"].to_list() for s in slices] == [[1], [3], [5, 6]]
    assert pl.concat(slices).equals(read_contract_file(path, required))
    assert list(spill.iterdir()) == []  # the Parquet copy is gone
    assert len(list(read_contract_slices(path, required, max_rows=6, spill_dir=spill))) == 1


def test_sliced_reading_refuses_what_whole_reading_refuses(tmp_path: Path):
    empty = tmp_path / "empty.parquet"
    pl.DataFrame(
        {"person_id": [], "scheme": []}, schema={"person_id": pl.String, "scheme": pl.String}
    ).write_parquet(empty)
    damaged = tmp_path / "damaged.parquet"
    damaged.write_bytes(b"PAR1 not really")
    numeric = tmp_path / "numeric.parquet"
    pl.DataFrame({"person_id": range(5), "scheme": ["BHYT"] * 5}).write_parquet(numeric)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("person_id,scheme\n0100000001,BHYT\n0100000002,BHYT\n0100000003,BHYT,extra\n")
    no_scheme = tmp_path / "no_scheme.csv"
    no_scheme.write_text("person_id\n" + "0100000001\n" * 5)
    for path, problem in [
        (empty, "has no data rows"),
        (damaged, "unreadable Parquet file"),
        (numeric, "identifiers must be text"),
        (ragged, "cannot be parsed as CSV"),
        (no_scheme, "required column missing"),
    ]:
        with pytest.raises(RawFileError, match=problem) as raised:
            list(read_contract_slices(path, ["person_id", "scheme"], max_rows=2, spill_dir=tmp_path))
        assert raised.value.path == path
