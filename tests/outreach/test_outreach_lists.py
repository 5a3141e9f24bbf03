"""`python -m pipeline outreach` on the committed fixture, after the real Dagster graph ingested it and
published the marts: each list holds exactly the persons built into it, in the documented order; the
counts of marts.outreach equal the lists; the output is owner-only; bad requests write nothing; names
and raw identifiers reach no table, log or event."""

from __future__ import annotations

import csv
import stat
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipeline import cli, outreach
from pipeline.definitions import defs
from pipeline.outreach import OutreachError, export_lists, village_file_name
from pipeline.runner import month_range_tags
from pipeline.settings import DATA_DIR_ENV, DataPaths
from tests.conftest import database_text
from tests.outreach import fixture as fx

KEY = "test-only-pseudonym-key"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DataPaths, str]]:
    """The fixture's four months through the whole graph, once for this module: (paths, event log)."""
    paths = DataPaths(tmp_path_factory.mktemp("outreach") / "data")
    fx.write_rolls(paths.raw)
    fx.write_register(paths.raw)
    fx.write_denominators(paths.raw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_DIR_ENV, str(paths.root))
        patch.setenv("PIPELINE_PSEUDONYM_KEY", KEY)
        job = defs.resolve_job_def("pipeline_job")
        with dg.DagsterInstance.ephemeral() as instance:
            result = job.execute_in_process(
                instance=instance, tags=month_range_tags((fx.ROLL_MONTHS[0], fx.MONTH))
            )
            assert result.success
            events = "\n".join(str(record) for record in instance.all_logs(result.run_id))
        yield paths, events


def read_list(path: Path) -> list[dict[str, str]]:
    assert path.read_bytes().startswith("\ufeff".encode())  # spreadsheet programs read it as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_list_holds_exactly_its_persons_in_the_documented_order(built, capsys):
    paths, _ = built
    assert cli.main(["outreach", "--period", fx.MONTH, "--commune", fx.COMMUNE]) == 0
    out = capsys.readouterr().out
    directory = paths.restricted / "outreach" / fx.MONTH / fx.COMMUNE
    east = read_list(directory / "thon-dong.csv")
    group_3 = read_list(directory / "to-dan-pho-3.csv")
    # Lapsed first, the most recent card first; then members of a covered household; then the youngest.
    assert [row["full_name"] for row in east] == [
        "Trần Thị Bình",  # lapsed (card ended 30/09/2025), household H1 has a covered member
        "Hoàng Văn Em",  # due to renew, no BHXH: covered household (himself)
        "Lê Văn Cường",  # born 2010
        "Phạm Thị Dung",  # born 1950
    ]
    assert [row["full_name"] for row in group_3] == ["Vũ Văn Phúc", "Bùi Văn Hải"]
    first = east[0]
    assert first["last_card_end"] == "30/09/2025" and first["sex"] == "Nữ" and first["birth_year"] == "1985"
    assert first["lists"] == "not_covered_bhyt;not_covered_bhxh;lapsed"
    assert first["missing"].startswith("BHYT đã hết hạn") and "chưa có BHYT" not in first["missing"]
    assert first["address"] == f"Số 2 {fx.EAST}" and first["phone"] == "0900000002"
    assert "Nguyễn Văn An" not in out and "79000000" not in out  # the console names nobody

    for list_name in fx.LISTS:
        export = export_lists(paths, fx.MONTH, fx.COMMUNE, list_name=list_name)
        for village in (fx.EAST, fx.GROUP_3):
            rows = read_list(export.directory / village_file_name(village, list_name))
            assert {row["full_name"] for row in rows} == fx.expected_list(list_name, village), list_name


def test_the_published_village_counts_equal_the_list_lengths(built):
    paths, _ = built
    columns = {
        "not_covered_bhyt": "residents_without_bhyt",
        "not_covered_bhxh": "working_age_without_bhxh",
        "lapsed": "bhyt_lapsed_3m",
        "due_to_renew": "bhyt_due_next_month",
    }
    with duckdb.connect(str(paths.warehouse), read_only=True) as warehouse:
        for list_name, column in columns.items():
            export = export_lists(paths, fx.MONTH, fx.COMMUNE, list_name=list_name)
            for village in (fx.EAST, fx.GROUP_3):
                [(count,)] = warehouse.execute(
                    f"select {column} from marts.outreach where boundary = 'current' and level = 'village' "  # noqa: S608
                    "and unit_code = ? and village = ?",
                    [fx.COMMUNE, village],
                ).fetchall()
                assert export.files[village_file_name(village, list_name)] == count


def test_one_village_only_and_the_output_is_owner_only(built):
    paths, _ = built
    export = export_lists(paths, fx.MONTH, fx.COMMUNE, village=f" {fx.GROUP_3} ", list_name="lapsed")
    assert export.files == {"to-dan-pho-3.lapsed.csv": 1}
    for folder in (
        paths.restricted,
        paths.restricted / "outreach",
        export.directory.parent,
        export.directory,
    ):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for path in export.directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert not any(p.name.endswith(".tmp") for p in export.directory.iterdir())


def test_a_register_file_read_in_slices_gives_the_same_lists_and_leaves_no_copy(built, monkeypatch):
    # Slices of 2 rows: the register CSV is streamed into a Parquet copy and read a slice at a time.
    paths, _ = built
    whole = export_lists(paths, fx.MONTH, fx.COMMUNE, list_name="all")
    expected = {name: read_list(whole.directory / name) for name in whole.files}
    monkeypatch.setattr(outreach, "PENDING_BATCH_ROWS", 2)
    sliced = export_lists(paths, fx.MONTH, fx.COMMUNE, list_name="all")
    assert {name: read_list(sliced.directory / name) for name in sliced.files} == expected
    assert sum(len(rows) for rows in expected.values()) > 2
    assert list((paths.work_dir / "outreach_building").iterdir()) == []


@pytest.mark.parametrize(
    ("month", "commune", "village", "message"),
    [
        (fx.MONTH, "99999", None, "unknown commune 99999"),
        ("2025-11", fx.COMMUNE, None, "no resident register stored for 2025-11"),
        (fx.MONTH, fx.COMMUNE, "Thôn Không Có", "has no village named"),
        ("2025-13", fx.COMMUNE, None, "is not a month"),
    ],
)
def test_a_bad_request_gets_a_clear_error_and_writes_nothing(built, month, commune, village, message):
    paths, _ = built
    before = sorted(p.relative_to(paths.root) for p in paths.restricted.rglob("*"))
    with pytest.raises(OutreachError, match=message):
        export_lists(paths, month, commune, village=village)
    assert sorted(p.relative_to(paths.root) for p in paths.restricted.rglob("*")) == before


def test_a_missing_or_different_key_finds_nobody_and_writes_nothing(built, monkeypatch):
    paths, _ = built
    monkeypatch.setenv("PIPELINE_PSEUDONYM_KEY", "another-key")
    with pytest.raises(OutreachError, match="is not the one 2025-12 was ingested with"):
        export_lists(paths, fx.MONTH, fx.COMMUNE)
    monkeypatch.delenv("PIPELINE_PSEUDONYM_KEY")
    with pytest.raises(OutreachError, match="no pseudonym key"):
        export_lists(paths, fx.MONTH, fx.COMMUNE)
    assert not (paths.work_dir / "pseudonym.key").exists()  # no new key was made


def test_a_changed_raw_register_is_refused(built, tmp_path):
    paths, _ = built
    register = next((paths.raw / "residents" / fx.MONTH).iterdir())
    original = register.read_bytes()
    try:
        register.write_bytes(original.replace("Bùi Văn Hải".encode(), "Bùi Văn Khác".encode()))
        with pytest.raises(OutreachError, match="changed since 2025-12 was ingested"):
            export_lists(paths, fx.MONTH, fx.COMMUNE)
    finally:
        register.write_bytes(original)


def test_exports_are_audited_and_names_reach_no_table_log_or_event(built):
    paths, events = built
    export_lists(paths, fx.MONTH, fx.COMMUNE)
    with duckdb.connect(str(paths.work_db), read_only=True) as work:
        exports = work.execute(
            "select commune_code, list, villages, persons, os_user, output_dir from ref.outreach_exports "
            "where list = 'all' order by exported_at desc limit 1"
        ).fetchone()
    assert exports[:4] == (fx.COMMUNE, "all", 2, 6)
    assert exports[4] and exports[5] == f"restricted/outreach/{fx.MONTH}/{fx.COMMUNE}"
    places = {
        "working database": database_text(paths.work_db),
        "published warehouse": database_text(paths.warehouse),
        "dagster event log and metadata": events,
        "staged month files": "".join(
            p.read_bytes().decode("latin-1") for p in paths.work_dir.rglob("*.parquet")
        ),
    }
    for place, text in places.items():
        for resident in fx.RESIDENTS:
            assert resident.name not in text, f"{resident.name} in the {place}"
            assert resident.person_id not in text, f"a raw ID in the {place}"
    assert not any(paths.marts.rglob("*.csv"))
    assert paths.marts not in export_lists(paths, fx.MONTH, fx.COMMUNE).directory.parents


def test_an_export_that_fails_while_writing_is_still_audited(built, monkeypatch):
    paths, _ = built

    def audited() -> int:
        with duckdb.connect(str(paths.work_db), read_only=True) as work:
            return work.execute(
                "select count(*) from ref.outreach_exports where list = 'lapsed' and village = 'Thôn Đông'"
            ).fetchone()[0]

    before = audited()

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pipeline.outreach._list_row_text", disk_full)
    with pytest.raises(OSError, match="No space left"):
        export_lists(paths, fx.MONTH, fx.COMMUNE, village="Thôn Đông", list_name="lapsed")
    # The names were read: the attempt is in the audit although no file was written.
    assert audited() == before + 1
    directory = paths.restricted / "outreach" / fx.MONTH / fx.COMMUNE
    assert not list(directory.glob(".*.tmp"))
