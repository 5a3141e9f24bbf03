"""Progress over the months of a run: a progress bar on a terminal (CLI backfills), plain iteration
elsewhere (the daemon and the UI show per-partition status themselves)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator

from tqdm import tqdm


def over_months(months: Iterable[str], what: str) -> Iterator[str]:
    months = list(months)
    show = len(months) > 1 and (sys.stderr.isatty() or os.environ.get("PIPELINE_PROGRESS") == "1")
    yield from tqdm(months, desc=what, unit="month", disable=not show, file=sys.stderr, dynamic_ncols=True)
