"""Issue 10 as users meet it on the command line: bad deliveries never put personal data on the
console, in Dagster's storage (event log, compute logs) or in any table; deliveries that would not be
read are named in the run output."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import database_text
from tests.e2e.test_cli import run_cli

pytestmark = pytest.mark.slow

SECRET_IDS = ["7391046285", "582913746021"]
SECRET_NAMES = ["Nguyễn Thị Bí Mật", "Trần Văn Kín"]
ROLL_HEADER = "person_id,scheme,commune_code,sex,birth_year,bhyt_object_code,bhyt_card_no,valid_from,valid_to"


def write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)


def test_bad_deliveries_never_leak_personal_data(tmp_path: Path):
    data, home = tmp_path / "data", tmp_path / "dagster"
    raw = data / "raw"
    person = f"{SECRET_IDS[0]},BHYT,00004,F,1990,GD,GD4017391046285,,,{SECRET_NAMES[0]}"
    # One bad file per source, each failing its own step, all in one run.
    write(raw / "rolls/2025-08/no-header.csv", f"{person}\n{person.replace('1990', '1991')}\n")
    write(
        raw / "aggregates/quote.csv",
        f'as_of,unit_level,unit_code,scheme,participants,note\n2024-12-31,province,01,BHYT,5,"{SECRET_NAMES[1]}\n',
    )
    write(
        raw / "population/ragged.csv",
        f"year,unit_level,unit_code,population\n2025,province,01,100,{SECRET_IDS[1]},{SECRET_NAMES[0]}\n",
    )
    write(raw / "labour_force/really-csv.parquet", f"{ROLL_HEADER},full_name\n{person}\n")
    write(raw / "targets/one-line.csv", "year," + ",".join([SECRET_IDS[1]] * 50_000))
    write(raw / "plans/names.csv", f"{SECRET_NAMES[1]},{SECRET_NAMES[1]}\n1,2\n")

    result = run_cli("run", "--period", "2025-08", data_dir=data, dagster_home=home)

    assert result.returncode == 1
    for name in [
        "no-header.csv",
        "quote.csv",
        "ragged.csv",
        "really-csv.parquet",
        "one-line.csv",
        "names.csv",
    ]:
        assert name in result.stderr, name
    places = {"stdout": result.stdout, "stderr": result.stderr}
    for path in home.rglob("*"):  # the event log (SQLite), compute logs, run storage
        if path.is_file():
            places[f"dagster storage {path.name}"] = path.read_bytes().decode("utf-8", "replace")
    places["working database"] = database_text(data / "marts" / "_work" / "pipeline.duckdb")
    places["published warehouse"] = database_text(data / "marts" / "coverage.duckdb")
    for place, text in places.items():
        for secret in SECRET_IDS + SECRET_NAMES:
            assert secret not in text, f"{secret!r} in {place}"


def test_deliveries_that_would_not_be_read_are_named_in_the_run_output(tmp_path: Path):
    data, home = tmp_path / "data", tmp_path / "dagster"
    raw = data / "raw"
    good = f"{ROLL_HEADER}\n0100000001,BHYT,00004,F,1990,GD,,,\n"
    write(raw / "rolls/2025-08/part-01.csv", good)
    write(raw / "rolls/2025-8/part-01.csv", good)
    write(raw / "rolls/2099-01/part-01.csv", good)
    write(raw / "rolls/stray.csv", good)
    write(raw / "Population/2025.csv", "year,unit_level,unit_code,population\n2025,province,01,100\n")
    (raw / "rolls/2025-07").symlink_to(raw / "rolls/2025-08")

    result = run_cli("run", "--period", "2025-08", data_dir=data, dagster_home=home)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "check 'every_raw_path_read' on staging/raw_inventory failed (5 offending rows)" in result.stdout
    for line in [
        "raw/Population: unknown folder: did you mean population/?",
        "raw/rolls/2025-07: symbolic link: not followed",
        "raw/rolls/2025-8: not a month folder",
        "raw/rolls/2099-01: future month",
        "raw/rolls/stray.csv: file outside a month folder",
    ]:
        assert line in result.stdout, line
    with duckdb.connect(str(data / "marts" / "_work" / "pipeline.duckdb"), read_only=True) as connection:
        assert connection.execute("select count(*) from staging.unread_raw_paths").fetchone() == (5,)


def test_another_key_stops_the_run_and_rotation_re_keys_every_month(tmp_path: Path):
    data, home = tmp_path / "data", tmp_path / "dagster"
    rows = [f"{i:010d},BHYT,00004,F,1990,GD,,," for i in range(1, 31)]
    for month in ("2025-07", "2025-08"):
        write(data / f"raw/rolls/{month}/part-1.csv", "\n".join([ROLL_HEADER, *rows]) + "\n")

    def cli(*args: str, key: str):  # key "" = no variable: the data dir's key file
        return run_cli(*args, data_dir=data, dagster_home=home, env={"PIPELINE_PSEUDONYM_KEY": key})

    assert cli("run", "--from", "2025-07", "--to", "2025-08", key="first-key").returncode == 0
    warehouse = data / "marts" / "coverage.duckdb"
    before = warehouse.read_bytes()
    work_db = data / "marts" / "_work" / "pipeline.duckdb"
    work_before = work_db.read_bytes()
    retention_sql = (
        "select continuing, new, stopped from marts.retention "
        "where period = date '2025-08-31' and boundary = 'current' and level = 'nation' and scheme = 'BHYT'"
    )

    changed = cli("run", "--period", "2025-08", key="other-key")

    assert changed.returncode == 1
    assert (
        "is not the one that keyed 2 stored month(s) of rolls or registers, 2025-07 … 2025-08"
        in changed.stderr
    )
    assert "python -m pipeline rotate-key" in changed.stderr
    assert "other-key" not in changed.stdout + changed.stderr
    assert "first-key" not in changed.stdout + changed.stderr
    assert warehouse.read_bytes() == before
    assert work_db.read_bytes() == work_before  # stopped when the run started: no step wrote anything

    rotated = cli("rotate-key", key="other-key")
    assert rotated.returncode == 0, rotated.stderr[-3000:]
    assert "Re-keying 2 stored month(s), 2025-07 … 2025-08" in rotated.stdout
    with duckdb.connect(str(warehouse), read_only=True) as analyst:
        assert analyst.execute(retention_sql).fetchone() == (30, 0, 0)  # the same people, continuing
    assert cli("run", "--period", "2025-08", key="other-key").returncode == 0
    # Without the variable, rotation makes a random key and puts it in the data dir's private area.
    assert cli("rotate-key", key="").returncode == 0
    key_file = data / "marts" / "_work" / "pseudonym.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert oct(key_file.parent.stat().st_mode & 0o777) == "0o700"
    assert oct(work_db.stat().st_mode & 0o777) == "0o600"
    assert cli("run", "--period", "2025-08", key="").returncode == 0
    with duckdb.connect(str(warehouse), read_only=True) as analyst:
        assert analyst.execute(retention_sql).fetchone() == (30, 0, 0)
