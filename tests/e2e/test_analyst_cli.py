"""The DuckDB command line the README gives analysts is installed by the set-up and opens a warehouse
read-only, in the file format the pipeline writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

# Installed beside the interpreter by `pip install -e '.[dev]'` (the duckdb-cli package).
DUCKDB_CLI = Path(sys.executable).parent / "duckdb"


def test_the_duckdb_cli_reads_a_warehouse_read_only(tmp_path: Path):
    warehouse = tmp_path / "coverage.duckdb"
    with duckdb.connect(str(warehouse)) as writer:
        writer.execute("create schema marts; create table marts.coverage as select 42 as participants")

    def cli(sql: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(DUCKDB_CLI), "-readonly", "-csv", str(warehouse), "-c", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )

    version = cli("select version()")
    assert version.returncode == 0, version.stderr
    # The same minor line as the library that writes the warehouse: the CLI reads our file format.
    cli_line = version.stdout.split()[-1].removeprefix("v").split(".")[:2]
    assert cli_line == duckdb.__version__.split(".")[:2]
    read = cli("select participants from marts.coverage")
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["participants", "42"]
    write = cli("insert into marts.coverage values (1)")
    assert write.returncode != 0
    assert "read-only" in write.stderr + write.stdout
