"""Pseudonymisation of person identifiers with a secret key (HMAC-SHA-256).

The key comes from ``PIPELINE_PSEUDONYM_KEY``, or from a key file created once, with owner-only
permissions, under the Dagster state dir (``<DAGSTER_HOME>/.dagster/pseudonym.key``). The same key gives
the same person the same ``person_key`` across months and sources; without the key the mapping cannot
be reversed or recomputed.

``person_key`` is the first 128 bits of HMAC-SHA-256(key, person_id), the value staging has always held
(a known-answer test keeps it so). It is computed in polars by ``polars-hash`` (Rust, vectorised, run in
parallel by the streaming engine): several times faster than the same HMAC written with DuckDB's
``sha256``. Parquet has no 128-bit integer (DuckDB writes a UHUGEINT as a lossy DOUBLE), so the key is
stored as two UBIGINT halves and ``staging.rolls`` puts them back together.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import polars as pl
import polars_hash  # noqa: F401  (registers the .chash expression namespace)

from pipeline.settings import PROJECT_ROOT

KEY_ENV = "PIPELINE_PSEUDONYM_KEY"
KEY_HALVES = ("person_key_hi", "person_key_lo")


def key_file() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT) / ".dagster" / "pseudonym.key"


def load_key() -> bytes:
    """The secret key: the environment variable, else the key file (created on first use)."""
    from_env = os.environ.get(KEY_ENV)
    if from_env:
        return from_env.encode()
    path = key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two first runs racing cannot both write a key; mode 0600 from the start.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_hex(32).encode())
    return path.read_bytes().strip()


def person_key_halves(person_id: str, key: bytes) -> list[pl.Expr]:
    """``person_key_hi`` and ``person_key_lo``: bits 0-63 and 64-127 of HMAC-SHA-256(key, person_id),
    null where the identifier is null. The raw column itself is left to the caller to drop."""
    digest = pl.col(person_id).chash.hmac_sha256(key=key.decode())
    return [
        digest.str.slice(offset, 16).str.to_integer(base=16, dtype=pl.UInt64).alias(name)
        for offset, name in zip((0, 16), KEY_HALVES, strict=True)
    ]
