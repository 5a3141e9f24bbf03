"""Every SQL example in docs/marts.md runs against a published warehouse: the guide cannot drift
from the schema."""

from __future__ import annotations

import re

import duckdb

from pipeline.settings import PROJECT_ROOT, DataPaths
from tests.conftest import ROLL_HEADER, write

GUIDE = PROJECT_ROOT / "docs" / "marts.md"


def sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_every_example_query_of_the_guide_runs(data_dir: DataPaths, run_graph):
    raw = data_dir.raw
    july = [f"{i:010d},BHXH_TN,00004,F,1980,,,," for i in range(1, 6)]
    august = july[:3] + [f"{i:010d},BHYT,00004,F,2015,GD,,2025-01-01,2025-09-30" for i in range(10, 14)]
    write(raw / "rolls/2024-12/a.csv", "\n".join([ROLL_HEADER, *july]) + "\n")  # baseline of "new this year"
    write(raw / "rolls/2025-07/a.csv", "\n".join([ROLL_HEADER, *july]) + "\n")
    write(raw / "rolls/2025-08/a.csv", "\n".join([ROLL_HEADER, *august]) + "\n")
    write(
        raw / "targets/2025.csv",
        "year,unit_level,unit_code,indicator,target_pct\n2025,commune,00004,bhyt,95\n",
    )
    write(raw / "population/2025.csv", "year,unit_level,unit_code,population\n2025,commune,00004,20\n")
    write(
        raw / "plans/2025.csv",
        "year,unit_level,unit_code,scheme,bhyt_object_code,planned_new\n2025,commune,00004,BHYT,GD,8\n",
    )
    register = [f"{i:010d},00004,Thôn Đông,F,{1980 if i < 6 else 2015}" for i in (1, 2, 3, 10, 11, 12, 13)]
    register += ["0000000020,00004,Thôn Tây,M,1990"]
    write(
        raw / "residents/2025-08/a.csv",
        "person_id,commune_code,village,sex,birth_year\n" + "\n".join(register),
    )
    assert run_graph(months=("2024-12", "2025-08")).success

    blocks = sql_blocks()
    assert len(blocks) >= 10
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as analyst:
        results = [analyst.execute(block).fetchall() for block in blocks]
    first, _, plans, stopped = results[:4]
    assert first == [("00004", first[0][1], 20.0, 95.0, 75.0, 15)]
    assert plans[0][2:] == (4, 8, 50.0)
    assert stopped[0][2] == 2  # two voluntary contributors did not come back in August
    missing, pace = results[11:13]
    # The rolls cover Hà Nội only: the 33 other provinces are named as what the nation lacks.
    assert len(missing) == 33 and {(row[0], row[1], row[4]) for row in missing} == {
        ("Việt Nam", "province", "1 of 34")
    }
    # Hà Nội: 0 BHYT participants last December, 4 in August: half a person a month since January.
    assert [row[:2] + row[4:6] for row in pace] == [("01", "Thành phố Hà Nội", "since_january", 0.5)]
    # Thôn Tây's one resident has nothing; Thôn Đông's seven: four BHYT cards due to renew in September,
    # three voluntary contributors with no BHYT, of working age with BHXH_TN.
    assert results[13] == [("Thôn Đông", 7, 3, 0, 0, 4), ("Thôn Tây", 1, 1, 1, 0, 0)]


def test_every_published_table_and_column_has_a_comment(data_dir: DataPaths, run_graph):
    assert run_graph(months=("2025-08", "2025-08")).success
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as analyst:
        tables = analyst.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in ('ref', 'marts') and comment is null"
        ).fetchall()
        columns = analyst.execute(
            "select table_name || '.' || column_name from duckdb_columns() "
            "where schema_name in ('ref', 'marts') and comment is null"
        ).fetchall()
    assert tables == []
    assert columns == []
