"""The resident register through ingestion (pseudonymised, judged, reconciled) and marts.outreach on
the committed fixture, whose lists are known by construction."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline import ingest, pseudonym
from pipeline.marts import build_period
from pipeline.settings import DataPaths
from pipeline.warehouse import run_sql
from tests.conftest import table_text
from tests.outreach import fixture as fx


def build(connection, raw: Path) -> None:
    for source in ingest.TABLE_SOURCES:
        ingest.ingest_table_source(connection, raw, source)
    for month in fx.ROLL_MONTHS:
        ingest.ingest_roll_month(connection, raw, month)
    ingest.ingest_resident_month(connection, raw, fx.MONTH)
    run_sql(connection, "marts/create_mart_tables.sql")
    build_period(connection, fx.MONTH)


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    fx.write_rolls(raw)
    fx.write_register(raw)
    fx.write_denominators(raw)
    return raw


def test_a_register_month_is_judged_row_by_row_and_every_row_is_accounted_for(raw: Path, connection):
    report = ingest.ingest_resident_month(connection, raw, fx.MONTH)
    assert report.rows_read == len(fx.RESIDENTS) + len(fx.BAD_REGISTER_ROWS)
    assert report.accepted == len(fx.RESIDENTS)
    assert report.quarantined_by_rule == {rule: 1 for rule in fx.BAD_REGISTER_ROWS.values()}
    assert run_sql(connection, "checks/assert_rows_reconcile.sql", {"source": "residents"}).fetchall() == []
    # The duplicate names the row it repeats, never the person.
    [(value,)] = connection.execute(
        "select offending_value from staging.quarantine where rule = 'duplicate_person'"
    ).fetchall()
    assert value == "repeats residents/2025-12/part-01.csv row 1"


def test_register_and_roll_give_one_person_the_same_key_and_household_ids_are_not_stored(
    raw: Path, connection, tmp_path: Path
):
    ingest.ingest_roll_month(connection, raw, fx.MONTH)
    ingest.ingest_resident_month(connection, raw, fx.MONTH)
    joined = connection.execute(
        "select count(distinct residents.person_key) from staging.residents "
        "inner join staging.rolls using (person_key_hi, person_key_lo, period)"
    ).fetchone()[0]
    assert joined == 4  # residents 1, 5, 6 and 7 are on December's roll
    same = connection.execute(
        "select bool_and(person_key = (person_key_hi::uhugeint << 64) + person_key_lo) from staging.residents"
    ).fetchone()[0]
    assert same
    # The household ID is read only by the outreach command, for one commune: never stored, not even
    # as a keyed hash.
    columns = [
        name
        for (name,) in connection.execute("select column_name from (describe staging.residents)").fetchall()
    ]
    assert not [name for name in columns if "household" in name]
    [stored] = DataPaths(tmp_path).residents_store.rglob("*.parquet")
    assert not [name for name in pl.read_parquet_schema(stored) if "household" in name]


def test_no_name_address_phone_or_raw_identifier_is_stored(raw: Path, connection, tmp_path: Path):
    ingest.ingest_resident_month(connection, raw, fx.MONTH)
    stored = table_text(connection) + "\n".join(
        str(row) for row in connection.execute("select * from staging.residents").fetchall()
    )
    for resident in fx.RESIDENTS:
        assert resident.name not in stored
        assert resident.person_id not in stored
    assert "Số 1" not in stored and "0900000001" not in stored and "H1" not in stored
    for path in DataPaths(tmp_path).residents_store.rglob("*.parquet"):
        data = path.read_bytes()
        assert fx.RESIDENTS[0].person_id.encode() not in data
        assert "Nguyễn".encode() not in data


def test_a_removed_register_month_is_emptied(raw: Path, connection):
    ingest.ingest_resident_month(connection, raw, fx.MONTH)
    for path in (raw / "residents" / fx.MONTH).iterdir():
        path.unlink()
    (raw / "residents" / fx.MONTH).rmdir()
    ingest.ingest_resident_month(connection, raw, fx.MONTH)
    assert connection.execute("select count(*) from staging.residents").fetchone() == (0,)
    assert connection.execute("select count(*) from staging.resident_files").fetchone() == (0,)


def test_a_register_keyed_with_another_key_than_the_rolls_is_refused(raw: Path, connection, monkeypatch):
    ingest.ingest_roll_month(connection, raw, fx.MONTH)
    with pytest.raises(pseudonym.KeyMismatch, match="nothing was written"):
        ingest.ingest_resident_month(connection, raw, fx.MONTH, key=b"another-key")
    assert connection.execute("select count(*) from staging.resident_files").fetchone() == (0,)


def outreach(connection, boundary: str = "current") -> dict[tuple[str, str | None], tuple]:
    rows = connection.execute(
        "select level, village, residents, working_age_residents, residents_without_bhyt, "
        "working_age_without_bhxh, bhyt_lapsed_3m, bhyt_due_next_month from marts.outreach "
        "where boundary = ? and unit_code = ?",
        [boundary, fx.COMMUNE],
    ).fetchall()
    return {(level, village): tuple(counts) for level, village, *counts in rows}


def test_the_outreach_mart_counts_each_village_as_built_and_the_commune_as_their_sum(raw: Path, connection):
    build(connection, raw)

    def counts(village: str | None) -> tuple:
        people = [r for r in fx.RESIDENTS if village in (None, r.village)]
        listed = [sum(name in r.lists for r in people) for name in fx.LISTS]
        working_age = sum(15 <= 2025 - r.birth_year <= (62 if r.sex == "M" else 57) for r in people)
        return (len(people), working_age, *listed)

    expected = {
        ("commune", None): counts(None),
        ("village", fx.EAST): counts(fx.EAST),
        ("village", fx.GROUP_3): counts(fx.GROUP_3),
    }
    assert outreach(connection) == expected
    assert outreach(connection, "as_reported") == expected
    assert expected[("commune", None)] == (8, 6, 5, 4, 2, 1)
    assert run_sql(connection, "checks/assert_outreach_villages_sum.sql", {"period": None}).fetchall() == []


def test_outreach_reconciles_with_the_communes_coverage(raw: Path, connection):
    """Everyone on the fixture's BHYT roll lives in the commune except one person registered
    elsewhere: covered residents = BHYT participants - 1."""
    build(connection, raw)
    residents, without = connection.execute(
        "select residents, residents_without_bhyt from marts.outreach "
        "where boundary = 'current' and level = 'commune' and unit_code = ?",
        [fx.COMMUNE],
    ).fetchone()
    [(participants,)] = connection.execute(
        "select participants from marts.coverage where boundary = 'current' and level = 'commune' "
        "and unit_code = ? and indicator = 'bhyt'",
        [fx.COMMUNE],
    ).fetchall()
    assert residents - without == participants - 1


def test_a_month_without_a_register_has_no_outreach_rows_not_zeros(tmp_path: Path, connection):
    raw = tmp_path / "raw"
    fx.write_rolls(raw)
    fx.write_denominators(raw)
    for month in fx.ROLL_MONTHS:
        ingest.ingest_roll_month(connection, raw, month)
    run_sql(connection, "marts/create_mart_tables.sql")
    build_period(connection, fx.MONTH)
    assert connection.execute("select count(*) from marts.coverage").fetchone()[0] > 0
    assert connection.execute("select count(*) from marts.outreach").fetchone() == (0,)
