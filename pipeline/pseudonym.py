"""Pseudonymisation of person identifiers with a secret key (HMAC-SHA-256).

The key comes from ``PIPELINE_PSEUDONYM_KEY``, or from a key file created once, with owner-only
permissions, under the Dagster state dir (``<DAGSTER_HOME>/.dagster/pseudonym.key``). The same key gives
the same person the same ``person_key`` across months and sources; without the key the mapping cannot
be reversed or recomputed. The HMAC itself runs inside DuckDB (``sql/staging/pseudonymise_rolls.sql``),
vectorised over the whole file; here we only prepare the two padded keys HMAC needs.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pipeline.settings import PROJECT_ROOT

KEY_ENV = "PIPELINE_PSEUDONYM_KEY"
_BLOCK = 64  # SHA-256 block size in bytes


@dataclass(frozen=True)
class HmacPads:
    """``K xor ipad`` and ``K xor opad`` for HMAC-SHA-256 (RFC 2104), bound as BLOB parameters."""

    inner: bytes
    outer: bytes


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


def hmac_pads(key: bytes) -> HmacPads:
    if len(key) > _BLOCK:
        import hashlib

        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\0")
    return HmacPads(bytes(b ^ 0x36 for b in padded), bytes(b ^ 0x5C for b in padded))
