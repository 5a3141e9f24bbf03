"""The nightly schedule and the raw-file sensor, evaluated with Dagster's test contexts."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from assets.automation import EVERYTHING_BUT_ROLLS, months_affected_by, nightly_schedule, raw_files_sensor
from pipeline.settings import DataPaths
from tests.conftest import ROLL_HEADER, write

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


def test_a_roll_month_affects_itself_the_next_month_and_after_december_the_next_year():
    assert months_affected_by("2025-08") == ("2025-08", "2025-09")
    assert months_affected_by("2024-12") == ("2024-12", "2025-12")
    assert months_affected_by("2025-12")[0] == "2025-12"


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
    assert request.run_key == "rolls/2025-08:removed"
    assert tick(cursor)[0] == []
