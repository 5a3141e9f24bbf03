"""The command line (marts contract): ``demo``, ``generate``, ``run``; and ``report``, ``outreach``,
``rotate-key``, ``lake-maintenance``.

Kept thin: it parses arguments, calls the runner, and prints what happened. Heavy imports (Dagster)
happen inside the commands so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import gc
import sys
from typing import NoReturn

from pipeline.settings import DataPaths


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Coverage pipeline: social and health insurance coverage marts for Vietnam. "
        "The data dir is $PIPELINE_DATA_DIR (default data/).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    # Commands that run the Dagster job print its INFO lines; --verbose adds its DEBUG events.
    runs = argparse.ArgumentParser(add_help=False)
    runs.add_argument(
        "--verbose", action="store_true", help="print Dagster's DEBUG events too (the UI always has them)"
    )

    commands.add_parser(
        "demo",
        parents=[runs],
        help="generate sample data if raw/ has none, build and publish everything, print a summary",
    )

    generate = commands.add_parser(
        "generate",
        help="write synthetic raw data (clearly labelled synthetic) in the raw contract",
        description="Write realistic synthetic raw data into <data dir>/raw/ (see docs/generator.md).",
    )
    from pipeline.generate.options import add_arguments

    add_arguments(generate)

    run = commands.add_parser(
        "run",
        parents=[runs],
        help="materialise through Dagster and publish the marts",
        description="Materialise the asset graph through Dagster (the same graph as the UI and the schedule) "
        "and publish the warehouse. Exit status 0 means published; anything else leaves the published "
        "warehouse untouched.",
    )
    scope = run.add_mutually_exclusive_group()
    scope.add_argument("--all", action="store_true", help="every month from 2018-01 to now (the default)")
    scope.add_argument("--period", metavar="YYYY-MM", help="one month")
    run.add_argument("--from", dest="first", metavar="YYYY-MM", help="first month of a range (backfill)")
    run.add_argument("--to", dest="last", metavar="YYYY-MM", help="last month of a range (backfill)")
    report = commands.add_parser(
        "report",
        help="write the coverage report (one self-contained HTML file) from the published warehouse",
        description="Write the coverage report for steering committees: headline against targets, sub-units "
        "ranked by gap, a map, trends, BHYT groups, plans, retention, the year-end outlook and data quality, "
        "in Vietnamese with English alongside (docs/report.md). Read-only: it works while a run publishes.",
    )
    report.add_argument("--period", metavar="YYYY-MM", help="the month to report (default: the latest)")
    report.add_argument(
        "--unit", default="VN", metavar="CODE", help="VN (the nation, default), a province or a commune code"
    )
    report.add_argument(
        "--boundary",
        choices=["current", "as_reported"],
        default="current",
        help="today's units (default) or the units in force at the period",
    )
    report.add_argument(
        "--out",
        metavar="PATH",
        help="where to write it (default: <data dir>/marts/reports/coverage_<unit>_...html)",
    )
    outreach = commands.add_parser(
        "outreach",
        help="write a commune's named lists of residents to reach (restricted, audited)",
        description="Write the lists a commune works from: residents without BHYT, of working age without "
        "BHXH, whose card lapsed in the last three months, or whose card is due to renew, one CSV per "
        "village, easiest to bring back first, under <data dir>/restricted/outreach/YYYY-MM/<commune>/ "
        "(owner only). Names are read again from that month's raw register with the pseudonym key; every "
        "export is recorded in ref.outreach_exports (docs/outreach.md).",
    )
    outreach.add_argument("--period", required=True, metavar="YYYY-MM", help="the month of the register")
    outreach.add_argument("--commune", required=True, metavar="CODE", help="the commune's code (5 digits)")
    outreach.add_argument("--village", metavar="NAME", help="one village (thôn, tổ dân phố) only")
    outreach.add_argument(
        "--list",
        dest="list_name",
        choices=["not_covered_bhyt", "not_covered_bhxh", "lapsed", "due_to_renew"],
        help="one list only (default: every list, one file per village with what each person misses)",
    )
    commands.add_parser(
        "rotate-key",
        parents=[runs],
        help="re-key every stored roll and register month with a new pseudonym key, in one run",
        description="Re-ingest every stored roll and register month with a new pseudonym key in one "
        "Dagster run, "
        "rebuild the marts and publish (docs/ingestion.md). The new key is $PIPELINE_PSEUDONYM_KEY "
        "when set, else a new random key that replaces the data dir's key file once the run has "
        "succeeded. The raw folders of all stored months must still be there.",
    )
    maintenance = commands.add_parser(
        "lake-maintenance",
        help="with a lake as the working database: expire old snapshots, delete the files nothing reads",
        description="With $PIPELINE_LAKE_CATALOG set (docs/deployment.md): expire the lake's snapshots "
        "older than --keep-days, delete the files only they read (months replaced since) and the files "
        "of processes killed before their commit (older than a day). Run it at a quiet time, e.g. "
        "weekly; a reader holding a snapshot older than --keep-days loses it.",
    )
    maintenance.add_argument(
        "--keep-days",
        type=float,
        default=7.0,
        metavar="DAYS",
        help="keep the snapshots of the last DAYS days, for time travel (default 7)",
    )
    return parser


def exit_without_collecting(code: int) -> NoReturn:
    """End the process with ``code``, the command being done. Python's finalization would run its
    garbage collector over every object still alive (≈ 440,000 after a run: Dagster, Great
    Expectations, pandas), which took ≈ 1 s after every run of a month (measured 2026-12-05, 0.99 s and
    1.05 s at scale 0.1, against 0.08 s frozen). Frozen objects are skipped by those collections. Exit
    handlers still run (logging is flushed, locks released), and every file and database is closed by
    the command itself, not left to the collector."""
    gc.freeze()
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = DataPaths.from_env()
    if args.command == "run":
        if args.period and (args.first or args.last):
            parser.error("--period cannot be combined with --from/--to")
        first, last = (args.period, args.period) if args.period else (args.first, args.last)
        return command_run(paths, first, last, verbose=args.verbose)
    if args.command == "demo":
        return command_demo(paths, verbose=args.verbose)
    if args.command == "report":
        return command_report(paths, args.unit, args.period, args.boundary, args.out)
    if args.command == "rotate-key":
        return command_rotate_key(paths, verbose=args.verbose)
    if args.command == "outreach":
        return command_outreach(paths, args.period, args.commune, args.village, args.list_name)
    if args.command == "lake-maintenance":
        return command_lake_maintenance(paths, args.keep_days)
    if args.command == "generate":
        from pipeline.generate import generate, options_from_args

        print(generate(paths, options_from_args(args)).summary())
        return 0
    raise AssertionError(args.command)


def command_run(
    paths: DataPaths,
    first: str | None = None,
    last: str | None = None,
    tags: dict[str, str] | None = None,
    verbose: bool = False,
) -> int:
    from pipeline.failures import find_os_failure
    from pipeline.runner import materialize, month_range

    try:
        months = month_range(first, last)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Data dir: {paths.root}; months {months[0]} … {months[1]}", flush=True)
    try:
        report = materialize(months, tags, verbose)
    except Exception as error:
        # Before any step ran (Dagster's own storage, the lock file): still say what the machine refused.
        failure = find_os_failure(error)
        if failure is None:
            raise
        print(f"error: {failure.message(paths.root)}", file=sys.stderr)
        return 1
    if not report.success:
        if report.os_failure is not None:
            # Said first and in plain words: it is what the operator must fix, not the data.
            print(f"error: {report.os_failure.message(paths.root)}", file=sys.stderr)
        print(
            f"\nRun {report.run_id} FAILED after {report.seconds:.1f} s; published marts left unchanged.",
            file=sys.stderr,
        )
        for failure in report.failures or ["see the run's logs in the Dagster UI"]:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    print(
        f"\nRun {report.run_id} succeeded in {report.seconds:.1f} s: "
        f"{len(report.materialized)} assets materialised."
    )
    if report.warnings:
        print(f"{len(report.warnings)} warnings (published anyway; details in the Dagster UI):")
        for warning in report.warnings:
            print(f"  - {warning}")
    print(f"Published: {paths.warehouse}")
    if not has_raw_data(paths):
        print(f"No raw data in {paths.raw} yet: published the reference tables and empty marts.")
    return 0


def has_raw_data(paths: DataPaths) -> bool:
    from pipeline.raw_io import list_source_files

    return (
        any(list_source_files(folder).files for folder in paths.raw.iterdir())
        if paths.raw.is_dir()
        else False
    )


def command_demo(paths: DataPaths, verbose: bool = False) -> int:
    if has_raw_data(paths):
        print(f"Using the raw data already in {paths.raw}")
    else:
        from pipeline.generate import DEMO_OPTIONS, generate

        print(f"No raw data in {paths.raw}: generating the synthetic demo data set first.", flush=True)
        print(generate(paths, DEMO_OPTIONS).summary(), flush=True)
    status = command_run(paths, verbose=verbose)
    if status == 0:
        from pipeline.summary import print_summary

        print_summary(paths)
        if has_raw_data(paths):
            print()
            return command_report(paths)
    return status


def command_report(
    paths: DataPaths,
    unit: str = "VN",
    period: str | None = None,
    boundary: str = "current",
    out: str | None = None,
) -> int:
    from pathlib import Path

    from pipeline.report import ReportError, build_report

    try:
        written = build_report(paths, unit, period, boundary, Path(out) if out else None)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Report written: {written}")
    return 0


def command_outreach(
    paths: DataPaths, month: str, commune: str, village: str | None, list_name: str | None
) -> int:
    from pipeline.outreach import ALL_LISTS, OutreachError, export_lists

    try:
        export = export_lists(paths, month, commune, village, list_name or ALL_LISTS, progress=print)
    except OutreachError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"Wrote {len(export.files)} list file(s), {export.persons:,} person(s), to {export.directory} "
        "(owner only: personal data, share only with the people who contact residents)."
    )
    for name, persons in export.files.items():
        print(f"  {name:<40} {persons:>7,}")
    print("Recorded in ref.outreach_exports (published with the next run).")
    return 0


def command_rotate_key(paths: DataPaths, verbose: bool = False) -> int:
    import os

    from pipeline import pseudonym
    from pipeline.runner import REKEY_TAG
    from pipeline.warehouse import stored_person_months

    try:
        stored = stored_person_months(paths)
    except Exception as error:  # noqa: BLE001  (any DuckDB failure: the message says which)
        print(
            f"error: cannot read the stored months ({type(error).__name__}); is a run in progress?",
            file=sys.stderr,
        )
        return 1
    if not stored:
        print("No stored roll or register month: nothing to re-key (the next run uses the key in force).")
        return 0
    months = sorted({month for _, month, _ in stored})
    missing = [
        f"{source}/{month}" for source, month, _ in stored if not (paths.raw / source / month).is_dir()
    ]
    if missing:
        print(
            f"error: the raw folders of {len(missing)} stored month(s) are gone ({', '.join(missing[:12])}"
            f"{' …' if len(missing) > 12 else ''}); re-keying would lose them. Restore raw/<source>/YYYY-MM/ "
            "first: the key cannot be changed without the identifiers.",
            file=sys.stderr,
        )
        return 2
    pending = pseudonym.key_file(paths).with_suffix(".key.new")
    if os.environ.get(pseudonym.KEY_ENV):
        new = os.environ[pseudonym.KEY_ENV].encode()
    else:
        # A failed rotation is resumed with the same new key: an existing file is kept.
        pseudonym.write_key_file(pending, pseudonym.new_key())
        new = pending.read_bytes().strip()
        os.environ[pseudonym.KEY_ENV] = new.decode()  # this process's run uses it
    target = pseudonym.fingerprint(new)
    if {fingerprint for _, _, fingerprint in stored} == {target}:
        print(f"Every stored month already has the key of fingerprint {target}: nothing to re-key.")
        if os.environ.get(pseudonym.KEY_ENV) and not pending.exists():
            print(f"(Set {pseudonym.KEY_ENV} to the new key, or unset it to have a new random key made.)")
        return 0
    print(
        f"Re-keying {len(months)} stored month(s), {months[0]} … {months[-1]}, "
        f"to the key of fingerprint {target}."
    )
    status = command_run(paths, months[0], months[-1], tags={REKEY_TAG: "true"}, verbose=verbose)
    if status == 0 and pending.exists():
        os.replace(pending, pseudonym.key_file(paths))
        print(f"The new key is now {pseudonym.key_file(paths)}.")
    elif status != 0:
        print(
            "Rotation incomplete: runs stop until `python -m pipeline rotate-key` succeeds.", file=sys.stderr
        )
    return status


def command_lake_maintenance(paths: DataPaths, keep_days: float) -> int:
    from pipeline.lake import LakeError, maintain

    if keep_days < 0:
        print("error: --keep-days cannot be negative", file=sys.stderr)
        return 2
    try:
        done = maintain(paths, keep_days)
    except LakeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"Lake {paths.lake_catalog}: {done.snapshots_expired} snapshot(s) older than {keep_days:g} day(s) "
        f"expired, {done.files_deleted} file(s) no snapshot reads deleted, {done.orphans_deleted} "
        "orphaned file(s) deleted."
    )
    return 0
