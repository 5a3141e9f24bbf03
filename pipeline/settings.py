"""Where things live, and the few constants every layer agrees on.

Paths are resolved when asked for (never at import time), so a test or a CLI call can point
``PIPELINE_DATA_DIR`` somewhere else before anything runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
DATA_DIR_ENV = "PIPELINE_DATA_DIR"
# Where the working database lives when it is not the DuckDB file marts/_work/pipeline.duckdb: the
# catalog of a DuckLake (pipeline/lake.py), ``postgres:dbname=… host=…`` for a deployment whose
# workers write at the same time (docs/deployment.md), or the path of a local catalog file.
LAKE_CATALOG_ENV = "PIPELINE_LAKE_CATALOG"

# The pre-reform unit list (63/696/10,035) is the state just before 1 July 2025. We apply it back to
# this date, the earliest the project supports: earlier intra-vintage mergers (2019-2024) are not
# modelled, so history before 2025 is read on the last pre-reform map.
PRE_REFORM_VINTAGE = date(2000, 1, 1)
REFORM_VINTAGE = date(2025, 7, 1)  # Resolution 202/2025/QH15, in force from 1 July 2025

LEVELS = ("nation", "province", "district", "commune")
CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}
NATION_CODE = "VN"
NATION_NAME = "Việt Nam"
# The published marts (marts contract), in the order they are built and published; each is built by
# sql/marts/<name>.sql and counted by sql/marts/count_period_rows.sql.
MARTS = ("coverage", "plan_attainment", "bhyt_groups", "retention", "completeness", "projection", "outreach")


@dataclass(frozen=True)
class DataPaths:
    """The data dir's layout (raw contract and marts contract)."""

    root: Path

    @classmethod
    def from_env(cls) -> DataPaths:
        return cls(Path(os.environ.get(DATA_DIR_ENV) or PROJECT_ROOT / "data").resolve())

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def raw_reference(self) -> Path:
        return self.raw / "reference"

    @property
    def marts(self) -> Path:
        return self.root / "marts"

    @property
    def warehouse(self) -> Path:
        """The published warehouse analysts open read-only (marts contract)."""
        return self.marts / "coverage.duckdb"

    @property
    def work_dir(self) -> Path:
        """Private build area: the working database every asset writes to, never read by analysts."""
        return self.marts / "_work"

    @property
    def work_db(self) -> Path:
        return self.work_dir / "pipeline.duckdb"

    @property
    def lake_catalog(self) -> str:
        """The working database's DuckLake catalog (``$PIPELINE_LAKE_CATALOG``); empty: the DuckDB
        file :attr:`work_db`."""
        return os.environ.get(LAKE_CATALOG_ENV, "").strip()

    @property
    def lake_files(self) -> Path:
        """The lake's data files (the tables of the working database), on the shared data dir."""
        return self.work_dir / "lake"

    @property
    def shared_catalog(self) -> bool:
        """The working database is a lake whose catalog is a PostgreSQL database: several processes
        write it at once, each transaction whole. A DuckDB file (the working database, or a local
        lake catalog) admits one process at a time."""
        return self.lake_catalog.startswith("postgres:")

    @property
    def has_working_database(self) -> bool:
        """Whether a working database may hold something (a PostgreSQL catalog cannot be told
        without connecting: its tables are looked for then)."""
        if self.shared_catalog:
            return True
        return Path(self.lake_catalog).exists() if self.lake_catalog else self.work_db.exists()

    @property
    def working_database_name(self) -> str:
        """How messages name the working database."""
        return f"the lake {self.lake_catalog}" if self.lake_catalog else str(self.work_db)

    def month_store(self, source: str) -> Path:
        """A person-level source's rows (rolls, residents), one Parquet file per month
        (``period=YYYY-MM-DD/part.parquet``). With a lake, the data files of its table
        ``staging.<source>_months`` (``period=YYYY-MM-DD/<month>.<pid>.<id>.parquet``), in the lake's
        own layout: the lake owns them, and they move with its data path."""
        if self.lake_catalog:
            return self.lake_files / "staging" / f"{source}_months"
        return self.work_dir / source

    @property
    def rolls_store(self) -> Path:
        return self.month_store("rolls")

    @property
    def residents_store(self) -> Path:
        return self.month_store("residents")

    @property
    def restricted(self) -> Path:
        """Named outreach lists (``python -m pipeline outreach``): owner only, never under marts/."""
        return self.root / "restricted"


def make_private(folder: Path) -> None:
    """The working area holds pseudonymised microdata (the working database, month files, DuckDB's
    spill files) and the pseudonym key: owner only (0700), whatever the umask made of it."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
