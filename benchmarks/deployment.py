"""The deployment's cost against the embedded default (docs/deployment.md), on the same generated files:

    .venv/bin/python -m benchmarks.deployment [--scale 0.01] [--from 2025-01] [--to 2025-12]

times, in one run, `run --from … --to …` as one Dagster run three ways:

- **embedded**: `python -m pipeline run` (SQLite storage, every step in the run's process);
- **1 worker** and **2 workers**: `dagster job execute` with `deploy/dagster.yaml` (PostgreSQL storage),
  its steps on that many Celery workers (`celery -A pipeline.celery_app worker`), Redis as the broker.

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
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from benchmarks.bench import BENCH_KEY, PROJECT_ROOT, environment, fresh_marts, generated
from pipeline.months import shift_month
from pipeline.runner import month_range_tags
from tests.distributed.servers import CeleryWorker, Postgres, Redis, deployment_environment, missing_servers


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
    tags = json.dumps(month_range_tags((args.first, args.last)))
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
            print(f"{count} worker(s)…", flush=True)
            try:
                for worker in workers:
                    worker.start()
                seconds = timed(
                    [sys.executable, "-m", "dagster", "job", "execute", "-m", "pipeline.definitions"]
                    + ["-a", "defs", "-j", "pipeline_job", "--tags", tags],
                    env,
                    f"run on {count} worker(s)",
                )
            finally:
                for worker in workers:
                    worker.stop()
            what = f"PostgreSQL + Celery, {count} worker{'s' if count > 1 else ''}"
            rows.append({"what": what, "workers": count, "seconds": round(seconds, 1)})
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
        f"{report['machine']}; {report['months']} at scale {args.scale:g}, one run over the range",
        "",
        "| what | seconds | per month | ÷ embedded |",
        "|---|---|---|---|",
        *[f"| {r['what']} | {r['seconds']} | {r['per_month']} | {r['vs_embedded']} |" for r in rows],
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
