"""Measure one roll month end to end (ingestion, checks, marts, publication) at a given scale.

    .venv/bin/python benchmarks/ingest_benchmark.py --scale 1.0 --month 2025-08 --data-dir /tmp/national

Generates the month if the data dir has no roll for it, then runs ``python -m pipeline run --period``
in a child process and prints wall time, roll rows and peak memory (max RSS of the child, which is
where polars and DuckDB run). Compare runs made on the same machine in the same session: the
machines here are noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--month", default="2025-08")
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    env = {**os.environ, "PIPELINE_DATA_DIR": str(args.data_dir)}
    env.setdefault("DAGSTER_HOME", str(args.data_dir / "dagster"))
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    (Path(env["DAGSTER_HOME"]) / "dagster.yaml").touch()
    python = sys.executable

    if not (args.data_dir / "raw" / "rolls" / args.month).is_dir():
        started = time.perf_counter()
        subprocess.run(
            [python, "-m", "pipeline", "generate", "--scale", str(args.scale), "--from", args.month,
             "--to", args.month, "--rolls-from", args.month],
            cwd=PROJECT_ROOT, env=env, check=True,
        )
        print(f"generated in {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    result = subprocess.run(
        [python, "-m", "pipeline", "run", "--period", args.month],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
    rows = next((line for line in result.stderr.splitlines() if f"rolls {args.month}:" in line), "")
    print(rows.split(" - ")[-1] if rows else "(no roll line in the log)")
    print(
        f"run --period {args.month}: exit {result.returncode}, {seconds:.0f} s wall, "
        f"peak RSS {peak_gb:.2f} GB (the larger of generation and the run, when both ran)"
    )
    if result.returncode:
        print(result.stderr[-3000:])
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
