"""The deployment's cost against the embedded default (docs/deployment.md), on the same generated files:

    .venv/bin/python -m benchmarks.deployment [--scale 0.01] [--from 2025-01] [--to 2025-12]

times, in one run, the months from … to … built three ways:

- **embedded**: `python -m pipeline run` (SQLite storage, every step in the run's process, the working
  database a DuckDB file);
- **1 worker** and **2 workers**: a backfill as docs/deployment.md runs it with `deploy/dagster.yaml`
  (PostgreSQL storage, the working database a lake with its catalog in PostgreSQL), its steps on that
  many Celery workers (`celery -A pipeline.celery_app worker`), Redis as the broker: the reference
  data, then one run per month queued at once (that many months ingested at a time), then one run of
  everything else over the range; each part timed.

PostgreSQL and Redis are Debian's, started on loopback for the run and stopped after it (the servers of
tests/distributed/servers.py). Prints a table (seconds, per month, ratio to embedded) and writes it as
JSON and markdown under docs/benchmarks/. Each way starts from the same raw files and no marts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from benchmarks.bench import BENCH_KEY, PROJECT_ROOT, environment, fresh_marts, generated
from pipeline.months import shift_month
from tests.distributed.servers import (
    CeleryWorker,
    Deployment,
    Postgres,
    Redis,
    deployment_environment,
    missing_servers,
    prepare_instance,
)


def months_between(first: str, last: str) -> int:
    count, month = 1, first
    while month != last:
        month, count = shift_month(month, 1), count + 1
    return count


def timed(command: list[str], env: dict[str, str], label: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"{label} failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return seconds


def run_seconds(deployment: Deployment, run_ids: list[str]) -> float:
    """From the first of the runs' first step to the last one's last step end (event log)."""
    attempts = [a for run_id in run_ids for a in deployment.probe("step_attempts", run_id)["attempts"]]
    return max(a["end"] for a in attempts) - min(a["start"] for a in attempts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--from", dest="first", default="2025-01")
    parser.add_argument("--to", dest="last", default="2025-12")
    parser.add_argument("--work", type=Path, default=Path("/tmp/coverage-bench"))
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "benchmarks")
    args = parser.parse_args()
    if missing_servers():
        sys.exit(f"{', '.join(missing_servers())} missing: apt-get install postgresql redis-server")
    months = months_between(args.first, args.last)
    data_dir = generated(args.work, args.scale, args.first, args.last)
    rows = []

    fresh_marts(data_dir)
    print(f"embedded, {months} months at scale {args.scale:g}…", flush=True)
    embedded = timed(
        [sys.executable, "-m", "pipeline", "run", "--from", args.first, "--to", args.last],
        environment(data_dir, args.work),
        "embedded run",
    )
    rows.append({"what": "embedded (in-process, SQLite)", "workers": 0, "seconds": round(embedded, 1)})

    servers = Path(tempfile.mkdtemp(prefix="deployment-bench-", dir="/tmp"))
    postgres, redis = Postgres(servers / "postgres").start(), Redis(servers / "redis").start()
    try:
        for count in (1, 2):
            env = {
                **environment(data_dir, args.work),
                "PIPELINE_PSEUDONYM_KEY": BENCH_KEY,
                "PIPELINE_LOCK_TIMEOUT": "86400",
                **deployment_environment(servers / f"dagster-{count}", postgres, f"dagster_{count}", redis),
            }
            logs = [servers / f"worker-{count}-{i}.log" for i in range(count)]
            workers = [CeleryWorker(log.stem, env, log) for log in logs]
            fresh_marts(data_dir)
            prepare_instance(env, person_month_slots=count)
            print(f"{count} worker(s)…", flush=True)
            deployment = Deployment(data_dir, env, workers)
            deployment.daemon_log.unlink(missing_ok=True)
            daemon = None
            try:
                for worker in workers:
                    worker.start()
                daemon = deployment.start_daemon()
                started = time.perf_counter()
                runs = deployment.backfill(args.first, args.last, daemon)
                seconds = time.perf_counter() - started
            finally:
                if daemon is not None:
                    os.killpg(daemon.pid, signal.SIGTERM)
                    daemon.wait(timeout=60)
                for worker in workers:
                    worker.stop()
            parts = {part: round(run_seconds(deployment, ids), 1) for part, ids in runs.items()}
            what = f"PostgreSQL + Celery + lake, {count} worker{'s' if count > 1 else ''}"
            rows.append({"what": what, "workers": count, "seconds": round(seconds, 1), "parts": parts})
    finally:
        redis.stop()
        postgres.stop()
        shutil.rmtree(servers, ignore_errors=True)

    for row in rows:
        row["per_month"] = round(row["seconds"] / months, 2)
        row["vs_embedded"] = round(row["seconds"] / embedded, 2)
    report = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "scale": args.scale,
        "months": f"{args.first}…{args.last} ({months})",
        "rows": rows,
    }
    lines = [
        f"# Deployment vs embedded {report['when']}",
        "",
        f"{report['machine']}; {report['months']} at scale {args.scale:g}",
        "",
        "| what | seconds | per month | ÷ embedded | reference, months, build (s, steps) |",
        "|---|---|---|---|---|",
        *[
            f"| {r['what']} | {r['seconds']} | {r['per_month']} | {r['vs_embedded']} | "
            + (", ".join(str(v) for v in r["parts"].values()) if "parts" in r else "")
            + " |"
            for r in rows
        ],
    ]
    print("\n".join(lines))
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"deployment-{datetime.now():%Y%m%d-%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written: {stem}.json and .md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
