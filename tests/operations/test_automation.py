"""The nightly schedule and the raw-file sensor, evaluated with Dagster's test contexts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from assets.automation import EVERYTHING_BUT_ROLLS, months_affected_by, nightly_schedule, raw_files_sensor
from pipeline import sensing
from pipeline.settings import DataPaths
from tests.conftest import ROLL_HEADER, write
from tests.quality.raw_files import write_clean_sources

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
RANGE = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


def test_the_nightly_schedule_runs_the_current_and_previous_month_at_0130_hanoi_time():
    assert nightly_schedule.cron_schedule == "30 1 * * *"
    assert nightly_schedule.execution_timezone == "Asia/Ho_Chi_Minh"
    for when, expected in [
        (datetime(2026, 11, 24, 1, 30, tzinfo=HANOI), ("2026-10", "2026-11")),
        (datetime(2026, 1, 1, 1, 30, tzinfo=HANOI), ("2025-12", "2026-01")),
    ]:
        request = nightly_schedule(dg.build_schedule_context(scheduled_execution_time=when))
        assert tuple(request.tags[key] for key in RANGE) == expected
        assert request.tags["pipeline/trigger"] == "schedule"


def test_the_first_night_of_a_month_finds_the_new_months_partition():
    from pipeline.partitions import MONTHLY

    when = datetime(2026, 12, 1, 1, 30, tzinfo=HANOI)  # still 30 November in UTC
    request = nightly_schedule(dg.build_schedule_context(scheduled_execution_time=when))
    assert tuple(request.tags[key] for key in RANGE) == ("2026-11", "2026-12")
    keys = MONTHLY.get_partition_keys(current_time=when)
    assert keys[-1] == "2026-12" and keys[-2] == "2026-11"


def test_a_roll_month_affects_itself_the_next_month_and_after_december_the_next_year(tmp_path: Path):
    assert months_affected_by("2025-08") == ("2025-08", "2025-09")
    assert months_affected_by("2024-12") == ("2024-12", "2025-12")
    assert months_affected_by("2025-12")[0] == "2025-12"
    # Outreach's cards lapsed within three months: as far as a later month has a resident register.
    raw = tmp_path / "raw"
    assert months_affected_by("2025-08", raw=raw) == ("2025-08", "2025-09")
    (raw / "residents" / "2025-10").mkdir(parents=True)
    assert months_affected_by("2025-08", raw=raw) == ("2025-08", "2025-10")
    (raw / "residents" / "2025-12").mkdir()  # four months after: its lapsed cards do not reach back
    assert months_affected_by("2025-08", raw=raw) == ("2025-08", "2025-10")
    (raw / "residents" / "2025-11").mkdir()
    assert months_affected_by("2025-08", raw=raw) == ("2025-08", "2025-11")
    # A register month feeds its own month's outreach only.
    assert months_affected_by("2025-08", "residents", raw) == ("2025-08", "2025-08")


def tick(cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor)
    result = raw_files_sensor(context)
    requests = result if isinstance(result, list) else []
    return requests, context.cursor


def touch_later(path: Path) -> None:
    """Make a modification visible to a listing even within the file system's time resolution."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_the_sensor_runs_a_changed_roll_month_once_per_content_and_waits_for_stable_files(
    data_dir: DataPaths,
):
    roll = write(
        data_dir.raw / "rolls/2025-08/part-1.csv", ROLL_HEADER + "\n0100000001,BHYT,00004,F,1990,GD,,,\n"
    )

    requests, cursor = tick(None)
    assert requests == []  # first sight: could still be copying
    requests, cursor = tick(cursor)
    [request] = requests
    assert tuple(request.tags[key] for key in RANGE) == ("2025-08", "2025-09")
    assert request.run_key.startswith("rolls/2025-08:") and request.asset_selection is None
    first_key = request.run_key
    assert tick(cursor)[0] == []  # nothing new

    # A file growing between ticks is skipped until it is unchanged over a whole tick.
    with roll.open("a") as handle:
        handle.write("0100000002,BHYT,00004,F,1990,GD,,,\n")
    requests, cursor = tick(cursor)
    assert requests == []
    with roll.open("a") as handle:
        handle.write("0100000003,BHYT,00004,F,1990,GD,,,\n")
    touch_later(roll)
    requests, cursor = tick(cursor)
    assert requests == []
    requests, cursor = tick(cursor)
    [request] = requests
    assert request.run_key.startswith("rolls/2025-08:") and request.run_key != first_key

    # Same bytes rewritten (new mtime): listing changes, content does not: no new run.
    touch_later(roll)
    assert tick(cursor)[0] == []
    assert tick(tick(cursor)[1])[0] == []


def test_a_change_in_a_yearly_source_reruns_everything_but_the_rolls(data_dir: DataPaths):
    write(
        data_dir.raw / "population/2025.csv",
        "year,unit_level,unit_code,population\n2025,province,01,8500000\n",
    )
    _, cursor = tick(None)
    [request], cursor = tick(cursor)
    assert request.run_key.startswith("population:")
    assert request.asset_selection == EVERYTHING_BUT_ROLLS
    assert dg.AssetKey(["staging", "rolls"]) not in request.asset_selection
    assert request.tags[RANGE[0]] == "2018-01"


def test_a_removed_roll_month_triggers_its_partitions_so_they_are_emptied(data_dir: DataPaths):
    roll = write(
        data_dir.raw / "rolls/2025-08/part-1.csv", ROLL_HEADER + "\n0100000001,BHYT,00004,F,1990,GD,,,\n"
    )
    _, cursor = tick(None)
    _, cursor = tick(cursor)
    roll.unlink()
    roll.parent.rmdir()
    time.sleep(0.01)
    [request], cursor = tick(cursor)
    assert request.run_key.startswith("rolls/2025-08:removed#")
    assert tuple(request.tags[key] for key in RANGE) == ("2025-08", "2025-09")
    assert tick(cursor)[0] == []


ROLL_A = ROLL_HEADER + "\n0100000001,BHYT,00004,F,1990,GD,,,\n"
ROLL_B = ROLL_HEADER + "\n0100000001,BHYT,00004,F,1990,GD,,,\n0100000002,BHYT,00004,M,1991,GD,,,\n"


def deliver(path: Path, text: str) -> Path:
    """(Re)write a file so that the next listing sees it, even within the file system's time resolution."""
    existed = path.exists()
    write(path, text)
    if existed:
        touch_later(path)
    return path


def settle(cursor: str | None):
    """Two ticks: the first sees the new listing, the second finds it stable."""
    first, cursor = tick(cursor)
    assert first == []
    return tick(cursor)


def test_a_month_going_back_to_an_earlier_content_runs_again_with_a_new_run_key(data_dir: DataPaths):
    roll = data_dir.raw / "rolls/2025-08/part-1.csv"
    keys = []
    cursor = None
    for content in (ROLL_A, ROLL_B, ROLL_A):
        deliver(roll, content)
        [request], cursor = settle(cursor)
        assert request.run_key.startswith("rolls/2025-08:")
        keys.append(request.run_key)
        assert tick(cursor)[0] == []  # one run per change, not one per tick
    # Dagster never runs a run key twice: the return to A needs a key of its own.
    assert len(set(keys)) == 3
    assert keys[0].split("#")[0] == keys[2].split("#")[0]  # same content, told apart by the change number


def test_a_month_removed_re_added_and_removed_again_runs_each_time(data_dir: DataPaths):
    roll = data_dir.raw / "rolls/2025-08/part-1.csv"
    deliver(roll, ROLL_A)
    [first], cursor = settle(None)
    keys = [first.run_key]
    for _ in range(2):
        roll.unlink()
        roll.parent.rmdir()
        [removed], cursor = tick(cursor)
        assert removed.run_key.startswith("rolls/2025-08:removed#")
        assert tick(cursor)[0] == []
        deliver(roll, ROLL_A)
        [added], cursor = settle(cursor)
        assert added.run_key.startswith("rolls/2025-08:")
        keys += [removed.run_key, added.run_key]
    assert len(set(keys)) == 5


def test_an_unchanged_group_is_not_hashed_again_on_later_ticks(
    data_dir: DataPaths, monkeypatch: pytest.MonkeyPatch
):
    hashed: list[str] = []
    real = sensing.content_hash

    def counting(raw: Path, files: list[Path]) -> str:
        hashed.extend(path.relative_to(raw).parts[1] for path in files)
        return real(raw, files)

    monkeypatch.setattr(sensing, "content_hash", counting)
    august = deliver(data_dir.raw / "rolls/2025-08/part-1.csv", ROLL_A)
    july = deliver(data_dir.raw / "rolls/2025-07/part-1.csv", ROLL_A)
    _, cursor = tick(None)
    for extra in range(3):  # July is still being copied at every tick: never read while it grows
        with july.open("a") as handle:
            handle.write(f"010000001{extra},BHYT,00004,F,1990,GD,,,\n")
        touch_later(july)
        requests, cursor = tick(cursor)
        assert [r.run_key.split(":")[0] for r in requests] == (["rolls/2025-08"] if extra == 0 else [])
    assert hashed == ["2025-08"]
    [request], cursor = tick(cursor)
    assert request.run_key.startswith("rolls/2025-07:")
    assert sorted(hashed) == ["2025-07", "2025-08"]  # each hashed once, when first stable
    for _ in range(3):
        assert tick(cursor)[0] == []
        _, cursor = tick(cursor)
    assert sorted(hashed) == ["2025-07", "2025-08"]

    # A touched file (new mtime, same bytes): only its group is read again, once, and nothing runs.
    touch_later(august)
    for _ in range(3):
        requests, cursor = tick(cursor)
        assert requests == []
    assert sorted(hashed) == ["2025-07", "2025-08", "2025-08"]


@pytest.mark.slow
def test_deliveries_the_pipeline_already_ingested_and_published_are_not_run_again(
    data_dir: DataPaths, run_graph
):
    # What `make demo` then `make dev` does: the pipeline has built everything before the sensor runs.
    write_clean_sources(data_dir.raw)
    assert run_graph(months=("2025-08", "2025-08")).success
    assert data_dir.warehouse.exists()

    requests, cursor = settle(None)
    assert requests == []
    assert tick(cursor)[0] == []
    # Also from a cursor left by the previous sensor, whose content hashes were computed differently.
    groups = ["rolls/2025-08", "aggregates", "population", "labour_force", "targets", "plans"]
    previous = json.dumps({"listed": {}, "triggered": dict.fromkeys(groups, "0" * 64)})
    assert settle(previous)[0] == []

    # A change after that still runs, and so does going back to the published content.
    roll = data_dir.raw / "rolls/2025-08/roll.csv"
    published = roll.read_text(encoding="utf-8")
    deliver(roll, published + "0100000010,BHYT,00004,F,1990,GD,,,\n")
    [changed], cursor = settle(cursor)
    deliver(roll, published)
    [back], cursor = settle(cursor)
    assert tuple(back.tags[key] for key in RANGE) == ("2025-08", "2025-09")
    assert back.run_key != changed.run_key

    # A month the pipeline never ingested is run on first sight.
    deliver(data_dir.raw / "rolls/2025-07/part-1.csv", ROLL_A)
    [new], cursor = settle(cursor)
    assert new.run_key.startswith("rolls/2025-07:")


def test_an_unreadable_publication_record_delays_new_groups_and_never_fails_the_tick(
    data_dir: DataPaths, tmp_path: Path
):
    # Another process holds the published warehouse open read-write (a DuckDB CLI opened without
    # -readonly): DuckDB then refuses every other process, even read-only.
    data_dir.marts.mkdir(parents=True)
    ready = tmp_path / "holding"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, pathlib, sys, time\n"
            "connection = duckdb.connect(sys.argv[1])\n"
            "pathlib.Path(sys.argv[2]).touch()\n"
            "time.sleep(60)\n",
            str(data_dir.warehouse),
            str(ready),
        ]
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert holder.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        deliver(data_dir.raw / "rolls/2025-08/part-1.csv", ROLL_A)
        requests, cursor = settle(None)
        assert requests == []  # waits: it may well be published already
        started = time.monotonic()
        requests, cursor = tick(cursor)
        assert requests == [] and time.monotonic() - started < 5  # no blocking on the lock
    finally:
        holder.kill()
        holder.wait()
    # Released: nothing was ever published there, so the month runs.
    [request], cursor = tick(cursor)
    assert request.run_key.startswith("rolls/2025-08:")


def test_new_groups_run_anyway_when_the_publication_record_stays_unreadable(
    data_dir: DataPaths, monkeypatch: pytest.MonkeyPatch
):
    def unreadable(warehouse: Path) -> dict[str, str]:
        raise sensing.LedgerUnavailable("damaged file")

    monkeypatch.setattr(sensing, "published_contents", unreadable)
    monkeypatch.setattr("assets.automation.published_contents", unreadable)
    deliver(data_dir.raw / "rolls/2025-08/part-1.csv", ROLL_A)
    requests, cursor = settle(None)
    for _ in range(sensing.LEDGER_PATIENCE - 1):
        assert requests == []
        requests, cursor = tick(cursor)
    assert requests == []
    [request], cursor = tick(cursor)
    assert request.run_key.startswith("rolls/2025-08:")
