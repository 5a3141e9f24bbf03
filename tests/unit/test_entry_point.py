"""How ``python -m pipeline`` and the benchmark's children end: with the command's code, without the
final garbage collection over every object a run left alive."""

from __future__ import annotations

import gc

import pytest

from pipeline.cli import exit_without_collecting
from tests.conftest import run_python


def test_exiting_freezes_the_live_objects_and_keeps_the_commands_code():
    with pytest.raises(SystemExit) as exited:
        exit_without_collecting(3)
    try:
        assert exited.value.code == 3
        assert gc.get_freeze_count() > 0  # the collector will not traverse them again
    finally:
        gc.unfreeze()


def test_exit_handlers_still_run_after_the_freeze():
    """Logging is flushed and locks are released by exit handlers: they must run."""
    code = (
        "import atexit; from pipeline.cli import exit_without_collecting; "
        "atexit.register(lambda: print('handler ran', flush=True)); exit_without_collecting(4)"
    )
    completed = run_python(code)
    assert completed.returncode == 4, completed.stderr
    assert completed.stdout == "handler ran\n"
