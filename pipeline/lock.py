"""One writer at a time: a run holds an exclusive lock on the working database for its whole
duration.

The lock is ``flock`` on ``<data dir>/marts/_work/pipeline.lock``: the kernel releases it when the
holding process exits, however it exits (SIGKILL included), so a killed run never leaves a stale
lock behind. A second run waits up to ``PIPELINE_LOCK_TIMEOUT`` seconds (default 600), then fails
with a message naming the process that holds the lock. Dagster's own run queue
(``dagster.yaml``: one run at a time) keeps scheduled and sensor runs from even trying.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

LOCK_TIMEOUT_ENV = "PIPELINE_LOCK_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 600.0


class WarehouseBusyError(RuntimeError):
    """Another run holds the warehouse lock."""


class RunLock:
    def __init__(self, path: Path):
        self.path = path
        self._handle = None

    def acquire(self, timeout: float | None = None) -> None:
        if timeout is None:
            timeout = float(os.environ.get(LOCK_TIMEOUT_ENV, DEFAULT_TIMEOUT_SECONDS))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "unknown"
                    handle.close()
                    raise WarehouseBusyError(
                        f"another run holds the warehouse lock {self.path} (pid {holder}); "
                        f"waited {timeout:.0f} s. Nothing was changed. Retry when it has finished, "
                        f"or raise {LOCK_TIMEOUT_ENV}."
                    ) from None
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
