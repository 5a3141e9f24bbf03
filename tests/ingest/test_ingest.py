"""Ingestion behaviour: vintages across the reform, idempotent month replacement, atomicity and
pseudonymisation."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import polars as pl
import pytest

from pipeline import ingest, pseudonym
from pipeline.raw_io import RawFileError, pad_code
from pipeline.settings import DataPaths
from tests.conftest import ROLL_HEADER, write


def roll(*rows: str) -> str:
    return "\n".join([ROLL_HEADER, *rows]) + "\n"


def accepted(connection, month_end: str) -> list[tuple]:
    return connection.execute(
        "select person_key, scheme, commune_code, code_remapped from staging.rolls "
        "where period = ?::date order by source_file, source_row",
        [month_end],
    ).fetchall()


def test_a_pre_reform_code_in_a_post_reform_month_maps_when_whole_and_is_quarantined_when_split(
    tmp_path: Path, connection, pre_reform_codes
):
    raw = tmp_path / "raw"
    write(
        raw / "rolls/2025-08/a.csv",
        roll(
            f"0100000001,BHXH_BB,{pre_reform_codes['whole_from']},M,1980,,,,",
            f"0100000002,BHXH_BB,{pre_reform_codes['split_from']},M,1980,,,,",
        ),
    )
    report = ingest.ingest_roll_month(connection, raw, "2025-08")
    assert report.remapped_codes == 1
    assert report.quarantined_by_rule == {"pre_reform_code_split": 1}
    [(_, _, code, remapped)] = accepted(connection, "2025-08-31")
    assert (code, remapped) == (pre_reform_codes["whole_to"], True)


def test_months_before_the_reform_read_codes_in_the_pre_reform_vintage(
    tmp_path: Path, connection, pre_reform_codes
):
    raw = tmp_path / "raw"
    write(
        raw / "rolls/2025-06/a.csv", roll(f"0100000001,BHXH_BB,{pre_reform_codes['split_from']},M,1980,,,,")
    )
    ingest.ingest_roll_month(connection, raw, "2025-06")
    vintage, code, remapped = connection.execute(
        "select vintage::varchar, commune_code, code_remapped from staging.rolls"
    ).fetchone()
    assert (vintage, code, remapped) == ("2000-01-01", pre_reform_codes["split_from"], False)


def test_a_month_is_replaced_whole_and_idempotently(tmp_path: Path, connection):
    raw = tmp_path / "raw"
    rows = [f"01000000{i:02d},BHYT,00004,F,1990,GD,,," for i in range(10)]
    write(raw / "rolls/2025-08/a.csv", roll(*rows[:6]))
    write(raw / "rolls/2025-08/b.csv", roll(*rows[6:]))
    write(raw / "rolls/2025-09/a.csv", roll(*rows[:3]))
    ingest.ingest_roll_month(connection, raw, "2025-08")
    ingest.ingest_roll_month(connection, raw, "2025-09")
    first = accepted(connection, "2025-08-31")
    ingest.ingest_roll_month(connection, raw, "2025-08")
    assert accepted(connection, "2025-08-31") == first and len(first) == 10

    # A corrected snapshot replaces the month whole; the other month is untouched.
    (raw / "rolls/2025-08/b.csv").unlink()
    ingest.ingest_roll_month(connection, raw, "2025-08")
    assert len(accepted(connection, "2025-08-31")) == 6
    assert len(accepted(connection, "2025-09-30")) == 3
    files = connection.execute("select count(*) from staging.ingested_files where partition_key = '2025-08'")
    assert files.fetchone() == (1,)

    # A month whose folder disappeared is emptied: the raw side is the truth.
    for path in (raw / "rolls/2025-08").iterdir():
        path.unlink()
    (raw / "rolls/2025-08").rmdir()
    report = ingest.ingest_roll_month(connection, raw, "2025-08")
    assert report.files == [] and accepted(connection, "2025-08-31") == []


def test_a_bad_file_leaves_the_previous_month_as_it_was(tmp_path: Path, connection):
    raw = tmp_path / "raw"
    write(raw / "rolls/2025-08/a.csv", roll("0100000001,BHYT,00004,F,1990,GD,,,"))
    ingest.ingest_roll_month(connection, raw, "2025-08")
    before = accepted(connection, "2025-08-31")
    write(raw / "rolls/2025-08/b.csv", b"person_id,scheme,commune_code\n01,BHYT,\xff\n")
    with pytest.raises(RawFileError, match=r"b\.csv: not valid UTF-8"):
        ingest.ingest_roll_month(connection, raw, "2025-08")
    assert accepted(connection, "2025-08-31") == before
    assert connection.execute("select count(*) from staging.ingested_files").fetchone() == (1,)


def test_the_same_person_gets_the_same_key_across_months_and_files_and_it_is_a_keyed_hash(
    tmp_path: Path, connection, pseudonym_key
):
    raw = tmp_path / "raw"
    write(raw / "rolls/2025-08/a.csv", roll("0100000001,BHYT,00004,F,1990,GD,,,"))
    write(raw / "rolls/2025-09/other-name.csv", roll("0100000001,BHXH_BB,00004,F,1990,,,,"))
    ingest.ingest_roll_month(connection, raw, "2025-08")
    ingest.ingest_roll_month(connection, raw, "2025-09")
    keys = {row[0] for row in connection.execute("select person_key from staging.rolls").fetchall()}
    expected = int(hmac.new(pseudonym_key.encode(), b"0100000001", hashlib.sha256).hexdigest()[:32], 16)
    assert keys == {expected}


def test_another_key_stops_before_writing_and_rotation_gives_other_keys(
    tmp_path: Path, connection, monkeypatch
):
    raw = tmp_path / "raw"
    write(raw / "rolls/2025-08/a.csv", roll("0100000001,BHYT,00004,F,1990,GD,,,"))
    write(raw / "rolls/2025-09/a.csv", roll("0100000001,BHYT,00004,F,1990,GD,,,"))
    ingest.ingest_roll_month(connection, raw, "2025-08")
    first = connection.execute("select person_key from staging.rolls").fetchone()
    ledger = connection.execute("select * from staging.ingested_files").fetchall()
    monkeypatch.setenv("PIPELINE_PSEUDONYM_KEY", "another-secret")
    # A changed key would silently make everyone new and everyone stopped: the run stops instead.
    with pytest.raises(
        pseudonym.KeyMismatch,
        match=r"1 stored month\(s\) of rolls or registers, 2025-08 … 2025-08 .*rotate-key",
    ):
        ingest.ingest_roll_month(connection, raw, "2025-09")
    assert connection.execute("select * from staging.ingested_files").fetchall() == ledger
    assert not (tmp_path / "marts/_work/rolls/period=2025-09-30").exists()
    ingest.ingest_roll_month(connection, raw, "2025-08", rekey=True)
    assert connection.execute("select person_key from staging.rolls").fetchone() != first
    assert connection.execute("select key_fingerprint from staging.roll_month_keys").fetchall() == [
        (pseudonym.fingerprint(b"another-secret"),)
    ]


def test_without_the_variable_a_key_file_is_created_once_in_the_private_area(tmp_path, monkeypatch):
    monkeypatch.delenv("PIPELINE_PSEUDONYM_KEY")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    paths = DataPaths(tmp_path / "data")
    key = pseudonym.load_key(paths)
    path = tmp_path / "data" / "marts" / "_work" / "pseudonym.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert len(key) == 64 and pseudonym.load_key(paths) == key
    # The key belongs to the data: another Dagster home does not make a new one.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "elsewhere"))
    assert pseudonym.load_key(paths) == key


def test_a_key_file_left_under_the_dagster_home_is_adopted(tmp_path, monkeypatch):
    monkeypatch.delenv("PIPELINE_PSEUDONYM_KEY")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    legacy = tmp_path / "home" / ".dagster" / "pseudonym.key"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"an-earlier-key")
    assert pseudonym.load_key(DataPaths(tmp_path / "data")) == b"an-earlier-key"


def test_the_fingerprint_identifies_a_key_without_revealing_it():
    assert pseudonym.fingerprint(b"k1") == pseudonym.fingerprint(b"k1")
    assert pseudonym.fingerprint(b"k1") != pseudonym.fingerprint(b"k2")
    assert "k1" not in pseudonym.fingerprint(b"k1") and len(pseudonym.fingerprint(b"k1")) == 16


def test_per_distinct_gives_every_row_what_the_expression_gives_it_nulls_included():
    frame = pl.DataFrame({"code": ["7", None, "12", "7", " 7", None, "x"], "n": range(7)}).lazy()
    # An output that is not null for a null value: the lookup must not turn it into null.
    outputs = {
        "padded": pad_code("code", "commune"),
        "label": pl.coalesce(pl.col("code").str.strip_chars(), pl.lit("none")),
    }
    looked_up = ingest.per_distinct(frame, "code", **outputs).collect()
    row_by_row = frame.with_columns(**outputs).collect()
    assert looked_up.equals(row_by_row)
    assert looked_up["label"].to_list() == ["7", "none", "12", "7", "7", "none", "x"]
    assert looked_up["padded"].to_list()[:3] == ["00007", None, "00012"]


@pytest.mark.parametrize("batch_rows", [1, 5, 10**9])
def test_files_normalised_together_keep_each_row_with_its_own_file_and_row(
    tmp_path: Path, connection, monkeypatch, batch_rows
):
    # 1: every file alone, and the Parquet file read in two slices of one row; 5: a.csv and b.csv
    # together (one schema, 3 + 2 rows), then the typed Parquet file alone (another schema), then
    # d.csv; 10**9: every run of one schema together.
    monkeypatch.setattr(ingest, "PENDING_BATCH_ROWS", batch_rows)
    raw = tmp_path / "raw"
    month = raw / "rolls/2025-08"
    write(month / "a.csv", roll(*(f"010000000{i},BHYT,00004,F,{1990 + i},GD,,," for i in range(3))))
    write(month / "b.csv", roll(*(f"010000001{i},BHYT,00004,M,{1970 + i},GD,,," for i in range(2))))
    pl.DataFrame(
        {
            "person_id": ["0100000020", "0100000021"],
            "scheme": ["BHXH_BB", "BHXH_BB"],
            "commune_code": ["00004", "00004"],
            "birth_year": [1960, 1961],
        }
    ).write_parquet(month / "c.parquet")
    write(month / "d.csv", roll("0100000030,BHYT,00004,F,19x0,GD,,,"))  # birth year not a number

    report = ingest.ingest_roll_month(connection, raw, "2025-08")

    stored = connection.execute(
        "select source_file, source_row, birth_year from staging.rolls order by source_file, source_row"
    ).fetchall()
    assert stored == [
        ("rolls/2025-08/a.csv", 1, 1990),
        ("rolls/2025-08/a.csv", 2, 1991),
        ("rolls/2025-08/a.csv", 3, 1992),
        ("rolls/2025-08/b.csv", 1, 1970),
        ("rolls/2025-08/b.csv", 2, 1971),
        ("rolls/2025-08/c.parquet", 1, 1960),
        ("rolls/2025-08/c.parquet", 2, 1961),
    ]
    assert report.quarantined_by_rule == {"impossible_birth_year": 1}
    quarantined = connection.execute("select source_file, source_row from staging.quarantine").fetchall()
    assert quarantined == [("rolls/2025-08/d.csv", 1)]
    assert [(f.relative, f.rows) for f in report.files] == [
        ("rolls/2025-08/a.csv", 3),
        ("rolls/2025-08/b.csv", 2),
        ("rolls/2025-08/c.parquet", 2),
        ("rolls/2025-08/d.csv", 1),
    ]


def test_progress_names_files_at_most_every_few_seconds_and_always_the_last(
    tmp_path: Path, connection, monkeypatch
):
    raw = tmp_path / "raw"
    for number, name in enumerate(("a", "b", "c")):
        write(raw / f"rolls/2025-08/{name}.csv", roll(f"010000000{number},BHYT,00004,F,1990,GD,,,"))
    lines: list[str] = []
    monkeypatch.setattr(ingest, "PROGRESS_EVERY_S", 3600.0)  # however slow the machine
    ingest.ingest_roll_month(connection, raw, "2025-08", progress=lines.append)
    # A Dagster run stores each line as an event: a month of small files reports its last file only.
    assert lines == ["rolls 2025-08: read 3/3 files (rolls/2025-08/c.csv)"]
    monkeypatch.setattr(ingest, "PROGRESS_EVERY_S", 0.0)
    lines.clear()
    ingest.ingest_roll_month(connection, raw, "2025-08", progress=lines.append)
    assert [line.split(": ", 1)[1] for line in lines] == [
        "read 1/3 files (rolls/2025-08/a.csv)",
        "read 2/3 files (rolls/2025-08/b.csv)",
        "read 3/3 files (rolls/2025-08/c.csv)",
    ]
