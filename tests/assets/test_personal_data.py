"""No raw identifier or name survives ingestion: not in any table of the working database or the
published warehouse, not in Dagster's event log or metadata, not on the console."""

from __future__ import annotations

import dagster as dg
import duckdb

from pipeline.definitions import defs
from pipeline.runner import month_range_tags
from pipeline.settings import DataPaths
from tests.conftest import database_text

# Distinctive values: a plain digit run such as 0123456789 occurs in DuckDB's storage of the code columns.
SECRETS = ["7391046285", "582913746021", "Nguyễn Thị Bí Mật", "001190072641", "GD4017391046285"]


def test_raw_identifiers_and_names_never_reach_tables_logs_or_metadata(data_dir: DataPaths, capfd):
    roll = data_dir.raw / "rolls" / "2025-08" / "part-01.csv"
    roll.parent.mkdir(parents=True)
    roll.write_text(
        "person_id,scheme,commune_code,sex,birth_year,bhyt_object_code,bhyt_card_no,full_name,citizen_id\n"
        f"{SECRETS[0]},BHYT,00004,F,1990,,{SECRETS[4]},{SECRETS[2]},{SECRETS[3]}\n"
        f"{SECRETS[1]},BHXH_BB,00004,M,1985,,,{SECRETS[2]},{SECRETS[3]}\n"
        f"{SECRETS[1]},BHXH_BB,00004,M,1985,,,{SECRETS[2]},{SECRETS[3]}\n"  # a duplicate: quarantined
        f"{SECRETS[0]},BHYT,99999,F,1990,XX,,{SECRETS[2]},{SECRETS[3]}\n",  # unknown code: quarantined
        encoding="utf-8",
    )
    job = defs.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, tags=month_range_tags(("2025-08", "2025-08")))
        assert result.success
        events = "\n".join(str(record) for record in instance.all_logs(result.run_id))
    console = capfd.readouterr()

    with duckdb.connect(str(data_dir.work_db), read_only=True) as connection:
        assert connection.execute("select count(*) from staging.rolls").fetchone() == (2,)
        assert connection.execute("select count(*) from staging.quarantine").fetchone() == (2,)
        person_keys = [
            str(row[0]) for row in connection.execute("select person_key from staging.rolls").fetchall()
        ]

    places = {
        "working database": database_text(data_dir.work_db),
        "published warehouse": database_text(data_dir.warehouse),
        "working database bytes": data_dir.work_db.read_bytes().decode("latin-1"),
        "dagster event log and metadata": events,
        "console": console.out + console.err,
    }
    for place, text in places.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} found in the {place}"
    # Not even the pseudonyms reach the metadata (the previews are counts and unit-level rows).
    for person_key in person_keys:
        assert person_key not in places["dagster event log and metadata"] + places["console"]
    assert "rolls 2025-08: 4 rows read, 2 accepted, 2 quarantined" in events
