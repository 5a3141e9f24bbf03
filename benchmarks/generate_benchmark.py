"""Benchmark the generator on one roll month: seconds, rows/s and peak memory.

    .venv/bin/python benchmarks/generate_benchmark.py --scale 1.0          # one national month
    .venv/bin/python benchmarks/generate_benchmark.py --scale 0.01 --month 2025-06 --keep /tmp/out

Peak memory is the process's maximum resident set size (``getrusage``), which covers numpy, Arrow and
polars allocations alike (tracemalloc would only see Python objects). The output goes to a temporary
directory that is deleted afterwards unless ``--keep`` names one.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from pipeline.generate import GenerateOptions, generate
from pipeline.settings import DataPaths


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01, help="1.0 = national size (default 0.01)")
    parser.add_argument("--month", default="2025-12", help="the one roll month (default 2025-12)")
    parser.add_argument("--seed", type=int, default=20251)
    parser.add_argument("--defects", type=float, default=0.0)
    parser.add_argument(
        "--keep", type=Path, help="write here and keep the output (default: a deleted temp dir)"
    )
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    root = args.keep or Path(tempfile.mkdtemp(prefix="generate-benchmark-"))
    options = GenerateOptions(
        scale=args.scale,
        from_month=args.month,
        to_month=args.month,
        rolls_from=args.month,
        seed=args.seed,
        defects=args.defects,
    )
    try:
        started = time.perf_counter()
        report = generate(DataPaths(root), options, progress=not args.no_progress)
        seconds = time.perf_counter() - started
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # Linux: KiB
        size_gb = _size(root / "raw") / 1e9
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(report.summary())
    print(
        f"\nbenchmark: scale {args.scale:g}, roll month {args.month}: {seconds:.1f} s, "
        f"{report.roll_rows:,} roll rows ({report.roll_rows / seconds:,.0f} rows/s), "
        f"{report.rows:,} rows in all, peak memory {peak_gb:.2f} GB, output {size_gb:.2f} GB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
