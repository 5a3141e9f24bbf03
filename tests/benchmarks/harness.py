"""Running the benchmark harness from a test: in a child process, its generated data and records in
``tmp_path``, with a key variable set so that no key file is made (the harness sets its own)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.bench import PROJECT_ROOT


def run_harness(tmp_path: Path, *arguments: str) -> tuple[subprocess.CompletedProcess, dict]:
    """``python -m benchmarks.bench ARGUMENTS`` with ``--work`` and ``--out`` under ``tmp_path``: the
    finished process and the report it wrote (the process must succeed)."""
    env = {**os.environ, "PIPELINE_PSEUDONYM_KEY": "unused-the-harness-sets-its-own"}
    env.pop("PIPELINE_DATA_DIR", None)
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench",
            *arguments,
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    [report_file] = out.glob("bench-*.json")
    return result, json.loads(report_file.read_text())
