"""Realistic synthetic raw data at any scale up to national: ``python -m pipeline generate``.

Person-level rolls per month (pre-reform commune codes before 2025-07, post-reform from then on, people
keeping their ``person_id`` across the reform), province aggregates for earlier years, population and
labour force per commune and province (NSO's real province figures for 2019-2024), targets and plans, all
in the raw contract (``docs/contracts/raw-data.md``), labelled synthetic, deterministic for a seed.
How it works and every rule it follows: ``docs/generator.md``.
"""

from __future__ import annotations

from pipeline.generate.core import GenerateReport, generate
from pipeline.generate.options import DEMO_OPTIONS, GenerateOptions, add_arguments, options_from_args

__all__ = [
    "DEMO_OPTIONS",
    "GenerateOptions",
    "GenerateReport",
    "add_arguments",
    "generate",
    "options_from_args",
]
