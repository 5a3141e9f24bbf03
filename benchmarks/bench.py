"""Benchmark harness: the pipeline against a DuckDB/polars-only floor and a pandas baseline, on the
same generated files, in one run.

    make bench                                   # scale 0.1, month 2025-08, the main table only
    .venv/bin/python -m benchmarks.bench --scale 0.1 --month 2025-08 \
        [--pandas-scale 0.1] [--curve 0.01,0.03,0.1,0.3,1.0] [--history 36] [--backfill-scale 0.01] \
        [--previous-scale 1.0]

Sections (each printed, and written as JSON and markdown under --out):
- main: one month at --scale through Dagster (`python -m pipeline run --period`), split by stage, beside
  the floor (benchmarks/floor.py) and pandas (benchmarks/pandas_baseline.py); the three must give the
  same coverage rows (commune, province, nation: participants, denominator, coverage %, target, persons
  still needed), else the harness exits 1. With --rounds N the pipeline and the floor run alternately N
  times and the table shows the median of each, every round listed beside it.
- curve: pipeline and floor at each scale of --curve (time, peak memory), plotted to <out>/scaling.png.
- history: the nightly run (previous + current month) when the warehouse holds 2 months of rolls and when
  it holds --history months, at --history-scale.
- previous: the month at --previous-scale with nothing held, then with the month before it held (run
  first, untimed), as a nightly run finds it: what retention (the person-level join of the month with
  the one before) adds to one month.
- backfill: `run --from 2018-01 --to 2025-12` on 96 months of rolls at --backfill-scale, then p95 latency of
  the example queries of docs/marts.md on the 96-month warehouse.
- register: one month at --register-scale generated with its resident register, run without the
  register and with it (what the register adds to the month's run), then the outreach lists of the
  commune with most residents (`python -m pipeline outreach`'s path), timed. With --register-history N,
  the N months before it (rolls and registers) are run first, untimed, so that the measured month's
  outreach also reads the three previous months' rolls, as a nightly run does.

Every measured command runs in its own child process; peak memory is that child's max RSS (the
in-process Dagster executor runs every step in it). Generated data is kept under --work and reused.
Figures are for comparing within one run: the machines here are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline.cli import exit_without_collecting
from pipeline.months import month_end, shift_month

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_KEY = "benchmark-only-pseudonym-key"
STAGES = (
    "read",
    "normalise_pseudonymise",
    "judge",
    "store",
    "other_staging",
    "checks",
    "marts",
    "publication",
    "dagster_and_reference",
)


@dataclass
class Measure:
    what: str
    scale: float
    seconds: float
    peak_rss_gb: float
    rows: int = 0
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def measure(command: list[str], env: dict[str, str], label: str) -> tuple[float, float, str]:
    """Run ``command`` as a child; its wall time, its peak RSS (GiB: the child and what it waited for)
    and its standard output. A failing child stops the harness with its output."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    stdout, stderr = child.communicate()
    seconds = time.perf_counter() - started
    # communicate() has reaped the child; its rusage is in RUSAGE_CHILDREN only cumulatively, so the
    # child reports its own peak (ru_maxrss of itself) on its last line instead.
    if child.returncode:
        sys.exit(f"{label} failed (exit {child.returncode}):\n{stdout[-2000:]}\n{stderr[-4000:]}")
    lines = stdout.strip().splitlines()
    peak = json.loads(lines[-1])["peak_rss_gb"]
    return seconds, peak, "\n".join(lines[:-1])


def environment(data_dir: Path, work: Path) -> dict[str, str]:
    dagster_home = work / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    (dagster_home / "dagster.yaml").touch()
    return {
        **os.environ,
        "PIPELINE_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(dagster_home),
        "PIPELINE_PSEUDONYM_KEY": BENCH_KEY,
        "PYTHONPATH": str(PROJECT_ROOT),
    }


def generated(work: Path, scale: float, first: str, last: str, residents: bool = False) -> Path:
    """A data dir with generated raw files for months first..last at ``scale`` (made once, reused),
    with the resident register of each month when ``residents``."""
    data_dir = work / f"scale-{scale:g}-{first}-{last}{'-residents' if residents else ''}"
    if not (data_dir / "raw" / "rolls" / last).is_dir():
        shutil.rmtree(data_dir, ignore_errors=True)
        print(f"generating {first}…{last} at scale {scale:g} into {data_dir}", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "generate",
                "--scale",
                str(scale),
                "--from",
                first,
                "--to",
                last,
                "--rolls-from",
                first,
                *(["--residents"] if residents else []),
            ],
            cwd=PROJECT_ROOT,
            env=environment(data_dir, work),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # the generator's progress bars
        )
    return data_dir


def child_command(kind: str, data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.bench", "--child", kind, "--data-dir", str(data_dir), *args]


def fresh_marts(data_dir: Path) -> None:
    """Each pipeline measurement starts without a working database or warehouse (raw files stay)."""
    shutil.rmtree(data_dir / "marts", ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Children: each prints its result, then {"peak_rss_gb": …} on its last line
# ---------------------------------------------------------------------------------------------


def _peak_rss_gb() -> float:
    """Peak RSS in GiB (ru_maxrss is KiB on Linux). The keys say "gb" for the records' sake; storage
    figures are 10^9 bytes."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024 / 1024


def _classify(step_key: str) -> str:
    if step_key.startswith("staging__rolls") or step_key == "staging__rolls":
        return "staging_rolls"
    if step_key.startswith("staging__residents") and "check" not in step_key and "reconcile" not in step_key:
        return "register"
    if "gx_" in step_key or "check" in step_key or "reconcile" in step_key:
        return "checks"
    if step_key.startswith("staging__"):
        return "other_staging"
    if "marts" in step_key:
        return "marts"
    if "published" in step_key:
        return "publication"
    return "dagster_and_reference"


def child_pipeline(first: str, last: str) -> dict:
    """Materialise months first..last through Dagster (the CLI's path) and time every step."""
    import dagster as dg

    from pipeline.definitions import defs
    from pipeline.runner import dagster_instance, month_range_tags

    started = time.perf_counter()
    job = defs.resolve_job_def("pipeline_job")
    with dagster_instance() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=True,
            tags={"pipeline/trigger": "benchmark", **month_range_tags((first, last))},
        )
    wall = time.perf_counter() - started
    step_start: dict[str, float] = {}
    stages: dict[str, float] = {}
    rolls_meta: dict[str, float] = {}
    rows = 0
    for record in instance.all_logs(result.run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            step_start[event.step_key] = record.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            kind = _classify(event.step_key)
            stages[kind] = stages.get(kind, 0.0) + record.timestamp - step_start.pop(event.step_key)
        elif event.is_step_materialization and event.asset_key.to_user_string() == "staging/rolls":
            metadata = event.event_specific_data.materialization.metadata
            rows = metadata["rows_read"].value
            rolls_meta = {
                key.removeprefix("seconds_"): value.value
                for key, value in metadata.items()
                if key.startswith("seconds_") and key != "seconds"
            }
    # Split the rolls step by the stages ingestion timed itself; what is left is Dagster around it.
    rolls_step = stages.pop("staging_rolls", 0.0)
    stages.update(rolls_meta)
    stages["dagster_and_reference"] = (
        stages.get("dagster_and_reference", 0.0) + rolls_step - sum(rolls_meta.values())
    )
    stages["dagster_and_reference"] += wall - sum(stages.values())
    return {"rows": rows, "stages": {key: round(value, 2) for key, value in stages.items()}}


def child_floor(data_dir: Path, month: str, output: Path) -> dict:
    from benchmarks.floor import run_floor

    work = data_dir / "floor-work"
    shutil.rmtree(work, ignore_errors=True)
    rows = run_floor(data_dir, month, BENCH_KEY.encode(), work)
    rows.write_parquet(output)
    shutil.rmtree(work, ignore_errors=True)
    return {}


def child_pandas(data_dir: Path, month: str, output: Path) -> dict:
    from benchmarks.pandas_baseline import run_pandas

    run_pandas(data_dir, month, BENCH_KEY.encode()).write_parquet(output)
    return {}


def child_queries(data_dir: Path, repeats: int) -> dict:
    """p95 latency of every example query of docs/marts.md on the published warehouse."""
    import duckdb

    text = (PROJECT_ROOT / "docs" / "marts.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    latencies = []
    with duckdb.connect(str(data_dir / "marts" / "coverage.duckdb"), read_only=True) as analyst:
        for query in queries:
            analyst.execute(query).fetchall()  # warm: the first read of a table loads its blocks
            for _ in range(repeats):
                started = time.perf_counter()
                analyst.execute(query).fetchall()
                latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {
        "queries": len(queries),
        "runs": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "max_ms": round(latencies[-1], 1),
    }


def child_outreach(data_dir: Path, month: str) -> dict:
    """The named lists of the commune with most residents in the month, as `python -m pipeline
    outreach` writes them (the restricted folder is removed afterwards: the figures are what counts)."""
    import duckdb

    from pipeline.outreach import export_lists
    from pipeline.settings import DataPaths

    paths = DataPaths(data_dir)
    with duckdb.connect(str(paths.warehouse), read_only=True) as warehouse:
        commune, residents = warehouse.execute(
            "select unit_code, residents from marts.outreach where boundary = 'as_reported' "
            "and level = 'commune' order by residents desc limit 1"
        ).fetchone()
    started = time.perf_counter()
    export = export_lists(paths, month, commune)
    seconds = time.perf_counter() - started
    shutil.rmtree(paths.restricted, ignore_errors=True)
    return {
        "commune": commune,
        "residents": residents,
        "persons_listed": export.persons,
        "villages": len(export.files),
        "seconds": round(seconds, 2),
    }


def run_child(args: argparse.Namespace) -> int:
    if args.child == "pipeline":
        result = child_pipeline(args.first, args.last)
    elif args.child == "floor":
        result = child_floor(args.data_dir, args.first, Path(args.output))
    elif args.child == "pandas":
        result = child_pandas(args.data_dir, args.first, Path(args.output))
    elif args.child == "queries":
        result = child_queries(args.data_dir, args.repeats)
    elif args.child == "outreach":
        result = child_outreach(args.data_dir, args.first)
    else:
        raise AssertionError(args.child)
    print(json.dumps(result))
    print(json.dumps({"peak_rss_gb": round(_peak_rss_gb(), 3)}))
    return 0


# ---------------------------------------------------------------------------------------------
# The sections
# ---------------------------------------------------------------------------------------------


def run_pipeline(
    data_dir: Path, work: Path, scale: float, first: str, last: str, fresh: bool = True
) -> Measure:
    if fresh:
        fresh_marts(data_dir)
    seconds, peak, out = measure(
        child_command("pipeline", data_dir, "--first", first, "--last", last),
        environment(data_dir, work),
        f"pipeline {first}…{last}",
    )
    result = json.loads(out.splitlines()[-1])
    return Measure("pipeline", scale, seconds, peak, result["rows"], result["stages"])


def run_reference(kind: str, data_dir: Path, work: Path, scale: float, month: str) -> tuple[Measure, Path]:
    output = work / f"{kind}-{scale:g}.parquet"
    seconds, peak, _ = measure(
        child_command(kind, data_dir, "--first", month, "--output", str(output)),
        environment(data_dir, work),
        f"{kind} {month}",
    )
    return Measure(kind, scale, seconds, peak), output


def pipeline_coverage(data_dir: Path, month: str):
    import duckdb
    import polars as pl

    from benchmarks.floor import COMPARED
    from pipeline.months import month_end

    with duckdb.connect(str(data_dir / "marts" / "coverage.duckdb"), read_only=True) as analyst:
        frame = analyst.execute(
            f"select {', '.join(COMPARED)} from marts.coverage "  # noqa: S608 (column names are constants)
            "where period = ? and boundary = 'as_reported' and level in ('commune', 'province', 'nation')",
            [month_end(month)],
        ).pl()
    return frame.with_columns(pl.col("participants").cast(pl.Int64)).sort("level", "unit_code", "indicator")


def differences(expected, actual) -> int:
    """Rows that differ (coverage % compared to 1e-9 relative; everything else exactly)."""
    import polars as pl

    if expected.height != actual.height:
        return abs(expected.height - actual.height) or 1
    joined = expected.join(
        actual, on=["level", "unit_code", "indicator"], how="full", suffix="_b", nulls_equal=True
    )
    differ = pl.lit(False)
    for column in ("participants", "denominator", "target_pct", "persons_to_target"):
        differ = differ | pl.col(column).ne_missing(pl.col(f"{column}_b"))
    apart = (pl.col("coverage_pct") - pl.col("coverage_pct_b")).abs() > 1e-9 * pl.max_horizontal(
        pl.lit(1.0), pl.col("coverage_pct_b").abs()
    )
    differ = differ | apart.fill_null(pl.col("coverage_pct").is_null() != pl.col("coverage_pct_b").is_null())
    return joined.filter(differ).height


def main_table(args: argparse.Namespace, work: Path) -> dict:
    data_dir = generated(work, args.scale, args.month, args.month)
    pipelines, floors = [], []
    for round_number in range(1, args.rounds + 1):
        of = f" (round {round_number} of {args.rounds})" if args.rounds > 1 else ""
        print(f"pipeline, one month at scale {args.scale:g}{of}…", flush=True)
        pipelines.append(run_pipeline(data_dir, work, args.scale, args.month, args.month))
        print(f"floor{of}…", flush=True)
        floor, floor_rows = run_reference("floor", data_dir, work, args.scale, args.month)
        floors.append(floor)
    pipeline, floor = median_measure(pipelines), median_measure(floors)
    floor.rows = pipeline.rows
    measures = [pipeline, floor]
    outputs = {"floor": floor_rows}
    pandas_scale = args.pandas_scale if args.pandas_scale is not None else args.scale
    if pandas_scale > 0:
        pandas_dir = (
            data_dir if pandas_scale == args.scale else generated(work, pandas_scale, args.month, args.month)
        )
        print(f"pandas at scale {pandas_scale:g}…", flush=True)
        pandas, pandas_rows = run_reference("pandas", pandas_dir, work, pandas_scale, args.month)
        measures.append(pandas)
        if pandas_scale != args.scale:
            # The pipeline and the floor again at the pandas scale, for the ratio at the same size.
            pipeline_at = run_pipeline(pandas_dir, work, pandas_scale, args.month, args.month)
            pandas.rows = pipeline_at.rows
            measures.insert(2, pipeline_at)
            agree_pandas = differences(pipeline_coverage(pandas_dir, args.month), _read(pandas_rows))
        else:
            pandas.rows = pipeline.rows
            outputs["pandas"] = pandas_rows
    reference = pipeline_coverage(data_dir, args.month)
    agreement = {kind: differences(reference, _read(path)) for kind, path in outputs.items()}
    if pandas_scale > 0 and pandas_scale != args.scale:
        agreement["pandas"] = agree_pandas
    rows = []
    for m in measures:
        same_scale_floor = next((f for f in measures if f.what == "floor" and f.scale == m.scale), None)
        same_scale_pipeline = next((p for p in measures if p.what == "pipeline" and p.scale == m.scale), None)
        rows.append(
            {
                "what": m.what,
                "scale": m.scale,
                "rows": m.rows,
                "seconds": round(m.seconds, 1),
                "ratio_to_floor": round(m.seconds / same_scale_floor.seconds, 2)
                if same_scale_floor
                else None,
                "pandas_over_pipeline": round(m.seconds / same_scale_pipeline.seconds, 1)
                if m.what == "pandas" and same_scale_pipeline
                else None,
                "rows_per_s": round(m.rows_per_second),
                "peak_rss_gb": round(m.peak_rss_gb, 2),
            }
        )
    store = data_dir / "marts" / "_work" / "rolls"
    storage_gb = sum(p.stat().st_size for p in store.rglob("*.parquet")) / 1e9 if store.exists() else 0.0
    return {
        "rows": rows,
        "rounds": [
            {
                "pipeline_s": round(p.seconds, 1),
                "floor_s": round(f.seconds, 1),
                "ratio": round(p.seconds / f.seconds, 2),
            }
            for p, f in zip(pipelines, floors, strict=True)
        ],
        "pipeline_stages_s": pipeline.stages,
        "coverage_rows_differing": agreement,
        "person_level_storage_gb": round(storage_gb, 3),
        "raw_rolls_gb": round(
            sum(p.stat().st_size for p in (data_dir / "raw" / "rolls").rglob("*") if p.is_file()) / 1e9, 3
        ),
    }


def median_measure(measures: list[Measure]) -> Measure:
    """The median of repeated measurements by time (the upper one of an even count), with its own
    stages and peak memory: one slow round on a shared machine does not move the table."""
    return sorted(measures, key=lambda m: m.seconds)[len(measures) // 2]


def _read(path: Path):
    import polars as pl

    return pl.read_parquet(path)


def curve(args: argparse.Namespace, work: Path) -> dict:
    points = []
    for scale in [float(s) for s in args.curve.split(",")]:
        data_dir = generated(work, scale, args.month, args.month)
        print(f"curve: scale {scale:g}…", flush=True)
        pipeline = run_pipeline(data_dir, work, scale, args.month, args.month)
        floor, _ = run_reference("floor", data_dir, work, scale, args.month)
        points.append(
            {
                "scale": scale,
                "rows": pipeline.rows,
                "pipeline_s": round(pipeline.seconds, 1),
                "pipeline_peak_gb": round(pipeline.peak_rss_gb, 2),
                "floor_s": round(floor.seconds, 1),
                "floor_peak_gb": round(floor.peak_rss_gb, 2),
                "ratio": round(pipeline.seconds / floor.seconds, 2),
            }
        )
    plot_curve(points, Path(args.out) / "scaling.png")
    return {"points": points}


def plot_curve(points: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [p["rows"] / 1e6 for p in points]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(rows, [p["pipeline_s"] for p in points], "o-", label="pipeline (Dagster, checks, publication)")
    left.plot(rows, [p["floor_s"] for p in points], "s--", label="floor (polars + DuckDB only)")
    left.set(
        xscale="log",
        yscale="log",
        xlabel="roll rows in the month (millions)",
        ylabel="seconds",
        title="one month, end to end",
    )
    right.plot(rows, [p["pipeline_peak_gb"] for p in points], "o-", label="pipeline")
    right.plot(rows, [p["floor_peak_gb"] for p in points], "s--", label="floor")
    right.set(
        xscale="log", xlabel="roll rows in the month (millions)", ylabel="peak RSS (GiB)", title="peak memory"
    )
    for axis in (left, right):
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


def history(args: argparse.Namespace, work: Path) -> dict:
    """The nightly run (previous + current month) with 2 months of history, and with --history months."""
    months = _months("2023-01", args.history)
    data_dir = generated(work, args.history_scale, months[0], months[-1])
    fresh_marts(data_dir)
    print(f"history: backfill {months[0]}…{months[-1]} at scale {args.history_scale:g}…", flush=True)
    run_pipeline(data_dir, work, args.history_scale, months[0], months[-1], fresh=False)
    late = run_pipeline(data_dir, work, args.history_scale, months[-2], months[-1], fresh=False)
    # The same nightly run when only the first two months are held: a data dir with those two only.
    early_dir = work / f"history-early-{args.history_scale:g}"
    shutil.rmtree(early_dir, ignore_errors=True)
    (early_dir / "raw" / "rolls").mkdir(parents=True)
    # Hard links, not symbolic ones: the pipeline does not follow symlinks under raw/ (docs/ingestion.md).
    for entry in (data_dir / "raw").iterdir():
        if entry.is_dir() and entry.name != "rolls":
            shutil.copytree(entry, early_dir / "raw" / entry.name, copy_function=os.link)
        elif entry.is_file():
            os.link(entry, early_dir / "raw" / entry.name)
    for month in months[:2]:
        shutil.copytree(
            data_dir / "raw" / "rolls" / month, early_dir / "raw" / "rolls" / month, copy_function=os.link
        )
    run_pipeline(early_dir, work, args.history_scale, months[0], months[1])
    early = run_pipeline(early_dir, work, args.history_scale, months[0], months[1], fresh=False)
    return {
        "scale": args.history_scale,
        "months_held": [2, len(months)],
        "nightly_month_2_s": round(early.seconds, 1),
        f"nightly_month_{len(months)}_s": round(late.seconds, 1),
        "ratio": round(late.seconds / early.seconds, 2),
        "stages_month_2": early.stages,
        f"stages_month_{len(months)}": late.stages,
    }


def backfill(args: argparse.Namespace, work: Path) -> dict:
    data_dir = generated(work, args.backfill_scale, "2018-01", "2025-12")
    print(f"backfill: 96 months at scale {args.backfill_scale:g}…", flush=True)
    run = run_pipeline(data_dir, work, args.backfill_scale, "2018-01", "2025-12")
    seconds, peak, out = measure(
        child_command("queries", data_dir, "--repeats", "20"), environment(data_dir, work), "queries"
    )
    return {
        "scale": args.backfill_scale,
        "months": 96,
        "rows": run.rows,
        "seconds": round(run.seconds, 1),
        "peak_rss_gb": round(run.peak_rss_gb, 2),
        "stages": run.stages,
        "queries_on_96_months": json.loads(out.splitlines()[-1]),
    }


def previous(args: argparse.Namespace, work: Path) -> dict:
    """The month alone (nothing held), then the same month with the month before it held, as the
    nightly run finds it: the marts then join the month's persons with the previous month's
    (retention), which a month alone skips."""
    import duckdb

    scale, month = args.previous_scale, args.month
    before = shift_month(month, -1)
    data_dir = generated(work, scale, before, month)
    print(f"previous: {month} at scale {scale:g} with nothing held…", flush=True)
    alone = run_pipeline(data_dir, work, scale, month, month)
    print(f"previous: {before} (not timed), then {month} with it held…", flush=True)
    run_pipeline(data_dir, work, scale, before, before)
    held = run_pipeline(data_dir, work, scale, month, month, fresh=False)
    with duckdb.connect(str(data_dir / "marts" / "coverage.duckdb"), read_only=True) as warehouse:
        retention_rows = warehouse.execute(
            "select count(*) from marts.retention where period = ?", [month_end(month)]
        ).fetchone()[0]
    return {
        "scale": scale,
        "month": month,
        "roll_rows": held.rows,
        "alone_s": round(alone.seconds, 1),
        "with_previous_s": round(held.seconds, 1),
        "ratio": round(held.seconds / alone.seconds, 2),
        "alone_peak_rss_gb": round(alone.peak_rss_gb, 2),
        "with_previous_peak_rss_gb": round(held.peak_rss_gb, 2),
        "retention_rows": retention_rows,
        "stages_alone_s": alone.stages,
        "stages_with_previous_s": held.stages,
    }


def register(args: argparse.Namespace, work: Path) -> dict:
    """What the resident register adds to one month's run, and the outreach lists of one commune."""
    scale, month, history = args.register_scale, args.month, args.register_history
    first = shift_month(month, -history)
    data_dir = generated(work, scale, first, month, residents=True)
    folder, aside = data_dir / "raw" / "residents", data_dir / "raw" / ".residents-aside"
    if aside.exists() and not folder.exists():  # an interrupted earlier run
        aside.rename(folder)
    if history:
        print(f"register: the {history} month(s) before {month}, with registers (not timed)…", flush=True)
        run_pipeline(data_dir, work, scale, first, shift_month(month, -1))
    print(f"register: the month at scale {scale:g} without its register…", flush=True)
    folder.rename(aside)  # a hidden folder is not read
    try:
        without = run_pipeline(data_dir, work, scale, month, month, fresh=not history)
    finally:
        aside.rename(folder)
    print("register: with it…", flush=True)
    with_register = run_pipeline(data_dir, work, scale, month, month, fresh=not history)
    print("register: outreach lists of the largest commune…", flush=True)
    seconds, peak, out = measure(
        child_command("outreach", data_dir, "--first", month),
        environment(data_dir, work),
        "outreach",
    )
    outreach = json.loads(out.splitlines()[-1])
    register_rows = sum(
        parquet_rows(path) for path in (data_dir / "raw" / "residents" / month).glob("*.parquet")
    )
    return {
        "scale": scale,
        "month": month,
        "history_months": history,
        "roll_rows": with_register.rows,
        "register_rows": register_rows,
        "without_register_s": round(without.seconds, 1),
        "with_register_s": round(with_register.seconds, 1),
        "added": round(with_register.seconds / without.seconds - 1, 3),
        "without_peak_rss_gb": round(without.peak_rss_gb, 2),
        "with_peak_rss_gb": round(with_register.peak_rss_gb, 2),
        "stages_without_s": without.stages,
        "stages_with_s": with_register.stages,
        "outreach": {**outreach, "process_s": round(seconds, 1), "peak_rss_gb": round(peak, 2)},
    }


def parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _months(first: str, count: int) -> list[str]:
    year, month = (int(part) for part in first.split("-"))
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def markdown(report: dict) -> str:
    lines = [f"# Benchmark {report['date']}", "", f"Machine: {report['machine']}", ""]
    main = report.get("main")
    if main:
        lines += [
            "| what | scale | rows | seconds | ÷ floor | pandas ÷ pipeline | rows/s | peak RSS GiB |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in main["rows"]:
            lines.append(
                f"| {row['what']} | {row['scale']:g} | {row['rows']:,} | {row['seconds']} | "
                f"{row['ratio_to_floor']} | {row['pandas_over_pipeline'] or ''} | "
                f"{row['rows_per_s']:,} | {row['peak_rss_gb']} |"
            )
        if len(main.get("rounds", [])) > 1:
            lines += [
                "",
                "Rounds, pipeline and floor alternately (the table shows the median of each): "
                + "; ".join(f"{r['pipeline_s']} s / {r['floor_s']} s = {r['ratio']}" for r in main["rounds"]),
            ]
        lines += [
            "",
            "Pipeline stages (s): " + ", ".join(f"{k} {v}" for k, v in main["pipeline_stages_s"].items()),
            "",
            f"Coverage rows differing from the pipeline: {main['coverage_rows_differing']}",
            f"Person-level storage for the month: {main['person_level_storage_gb']} GB "
            f"(raw rolls {main['raw_rolls_gb']} GB)",
            "",
        ]
    if "curve" in report:
        lines += [
            "| scale | rows | pipeline s | floor s | ÷ floor | pipeline peak GiB | floor peak GiB |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in report["curve"]["points"]:
            lines.append(
                f"| {p['scale']:g} | {p['rows']:,} | {p['pipeline_s']} | {p['floor_s']} | {p['ratio']} | "
                f"{p['pipeline_peak_gb']} | {p['floor_peak_gb']} |"
            )
        lines.append("")
    for section in ("history", "previous", "backfill", "register"):
        if section in report:
            lines += [f"{section}: `{json.dumps(report[section])}`", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--month", default="2025-08")
    parser.add_argument(
        "--pandas-scale",
        type=float,
        default=None,
        help="scale of the pandas baseline (default: --scale; 0 skips it)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the main table's pipeline and floor alternately this many times; the table shows the "
        "median of each (a shared, noisy machine)",
    )
    parser.add_argument("--curve", default="", help="comma-separated scales for the scaling curve")
    parser.add_argument(
        "--history", type=int, default=0, help="months of history for the nightly-cost section"
    )
    parser.add_argument("--history-scale", type=float, default=0.01)
    parser.add_argument(
        "--previous-scale",
        type=float,
        default=0.0,
        help="scale of the previous-month section: the month with nothing held, then with the month "
        "before it held, as the nightly run finds it (0 skips)",
    )
    parser.add_argument(
        "--backfill-scale", type=float, default=0.0, help="scale of the 96-month backfill (0 skips)"
    )
    parser.add_argument(
        "--register-scale",
        type=float,
        default=0.0,
        help="scale of the resident-register section: the month without and with its register, and "
        "the outreach lists of one commune (0 skips)",
    )
    parser.add_argument(
        "--register-history",
        type=int,
        default=0,
        help="months of rolls and registers held before the register section's month (run first, untimed)",
    )
    parser.add_argument("--skip-main", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/coverage-bench"))
    parser.add_argument("--out", default=str(PROJECT_ROOT / "docs" / "benchmarks"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--first", help=argparse.SUPPRESS)
    parser.add_argument("--last", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=20, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        # Every child (pipeline, floor, pandas) ends as `python -m pipeline` does.
        exit_without_collecting(run_child(args))
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}",
        "arguments": {
            k: (str(v) if isinstance(v, Path) else v)
            for k, v in vars(args).items()
            if not k.startswith(("child", "data_dir", "first", "last", "output"))
        },
    }
    if not args.skip_main:
        report["main"] = main_table(args, work)
    if args.curve:
        report["curve"] = curve(args, work)
    if args.history:
        report["history"] = history(args, work)
    if args.previous_scale:
        report["previous"] = previous(args, work)
    if args.backfill_scale:
        report["backfill"] = backfill(args, work)
    if args.register_scale:
        report["register"] = register(args, work)
    text = markdown(report)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = f"bench-{datetime.now():%Y%m%d-%H%M%S}"
    (out / f"{stamp}.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (out / f"{stamp}.md").write_text(text + "\n", encoding="utf-8")
    print(f"written: {out / stamp}.json and .md")
    differing = report.get("main", {}).get("coverage_rows_differing", {})
    return 1 if any(differing.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
