"""What to generate: the options, their command-line form, and the calendar they resolve to.

Months are handled as integer indices (``year * 12 + month - 1``, ``pipeline/months.py``) everywhere in
the generator: the simulation steps month by month, and a card valid "to month t" is valid to the last
day of t.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date

import numpy as np

from pipeline.months import month_index, month_of, month_text
from pipeline.settings import REFORM_VINTAGE

GENERATOR_VERSION = "1.0"
FIRST_SUPPORTED_MONTH = "2018-01"  # the domain's calibration series starts in 2018
LAST_SUPPORTED_MONTH = "2030-12"  # Resolution 28's path ends in 2030


@dataclass(frozen=True)
class GenerateOptions:
    scale: float = 0.001
    from_month: str = "2018-01"
    to_month: str | None = None  # None = last complete month before today
    rolls_from: str | None = None  # None = 23 months before to_month, so 24 roll months
    seed: int = 20251
    defects: float = 0.0
    residents: bool = False  # also write the resident register, raw/residents/YYYY-MM/ (roll months)


# `python -m pipeline demo` on an empty raw/: about 130k person-scheme rows per month, 24 roll months that
# straddle the 2025-07 reform by a year on each side, with the resident register of each (outreach),
# aggregates for 2018-2023. Fixed months (not "today")
# so the demo, its marts and the tests built on it never drift with the calendar.
DEMO_OPTIONS = GenerateOptions(
    scale=0.001, from_month="2018-01", to_month="2026-06", rolls_from="2024-07", residents=True
)


REFORM_MONTH = month_of(REFORM_VINTAGE)


# Month index -> days since 1970-01-01 of its first and last day, for vectorised date columns.
_TABLE_START = 1900 * 12
_TABLE_MONTHS = np.arange(f"{_TABLE_START // 12}-01", "2101-01", dtype="datetime64[M]")
_FIRST_DAYS = _TABLE_MONTHS.astype("datetime64[D]").astype(np.int32)
_LAST_DAYS = ((_TABLE_MONTHS + 1).astype("datetime64[D]") - 1).astype(np.int32)


def first_days(months: np.ndarray) -> np.ndarray:
    return _FIRST_DAYS[months - _TABLE_START]


def last_days(months: np.ndarray) -> np.ndarray:
    return _LAST_DAYS[months - _TABLE_START]


@dataclass(frozen=True)
class Calendar:
    """The resolved months and years of one generation."""

    start: int  # first month of everything (aggregates, denominators, targets, plans)
    end: int  # last roll month
    rolls_start: int

    @property
    def roll_months(self) -> list[int]:
        return list(range(self.rolls_start, self.end + 1))

    @property
    def years(self) -> list[int]:
        return list(range(self.start // 12, self.end // 12 + 1))

    @property
    def aggregate_years(self) -> list[int]:
        """Years whose December lies in [start, rolls_start): counts where no roll exists."""
        return [y for y in self.years if self.start <= y * 12 + 11 < self.rolls_start]


def default_to_month(today: date | None = None) -> str:
    today = today or date.today()
    return month_text(month_of(today) - 1)


def resolve(options: GenerateOptions, today: date | None = None) -> Calendar:
    """Check the options and turn them into months; raises ValueError with a readable message."""
    if not options.scale > 0:
        raise ValueError(f"--scale must be positive (got {options.scale})")
    if not 0 <= options.defects < 1:
        raise ValueError(f"--defects must be a rate in [0, 1) (got {options.defects})")
    start = month_index(options.from_month)
    end = month_index(options.to_month or default_to_month(today))
    if start < month_index(FIRST_SUPPORTED_MONTH):
        raise ValueError(
            f"--from {options.from_month}: the generator is calibrated from {FIRST_SUPPORTED_MONTH}"
        )
    if end > month_index(LAST_SUPPORTED_MONTH):
        raise ValueError(f"--to {month_text(end)}: the generator's targets end in {LAST_SUPPORTED_MONTH}")
    if end < start:
        raise ValueError(f"--to {month_text(end)} is before --from {options.from_month}")
    rolls_start = month_index(options.rolls_from) if options.rolls_from else max(start, end - 23)
    if not start <= rolls_start <= end:
        raise ValueError(
            f"--rolls-from {month_text(rolls_start)} must lie between --from {month_text(start)} "
            f"and --to {month_text(end)}"
        )
    return Calendar(start=start, end=end, rolls_start=rolls_start)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = GenerateOptions()
    parser.add_argument(
        "--scale",
        type=float,
        default=defaults.scale,
        help="share of Vietnam's real size: 1.0 is national (~95M BHYT, ~21M BHXH, ~15M BHTN people per "
        "month); people and denominators scale alike, so rates do not depend on it "
        f"(default {defaults.scale})",
    )
    parser.add_argument(
        "--from",
        dest="from_month",
        default=defaults.from_month,
        metavar="YYYY-MM",
        help=f"first month of aggregates, denominators, targets and plans (default {defaults.from_month}, "
        f"earliest {FIRST_SUPPORTED_MONTH})",
    )
    parser.add_argument(
        "--to",
        dest="to_month",
        default=None,
        metavar="YYYY-MM",
        help="last roll month (default: the last complete month before today)",
    )
    parser.add_argument(
        "--rolls-from",
        dest="rolls_from",
        default=None,
        metavar="YYYY-MM",
        help="first month with person-level rolls; earlier Decembers get province aggregates "
        "(default: 23 months before --to, i.e. 24 roll months)",
    )
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help=f"random seed (default {defaults.seed})"
    )
    parser.add_argument(
        "--defects",
        type=float,
        default=defaults.defects,
        metavar="RATE",
        help="inject realistic faults into about this share of rows and list them in "
        "raw/defects_manifest.csv (default 0: clean output)",
    )
    parser.add_argument(
        "--residents",
        action="store_true",
        help="also write the resident register of every roll month, raw/residents/YYYY-MM/ (every person "
        "alive, with village and household; personal fields included). The pipeline does not read it yet",
    )


def options_from_args(args: argparse.Namespace) -> GenerateOptions:
    return GenerateOptions(
        scale=args.scale,
        from_month=args.from_month,
        to_month=args.to_month,
        rolls_from=args.rolls_from,
        seed=args.seed,
        defects=args.defects,
        residents=args.residents,
    )
