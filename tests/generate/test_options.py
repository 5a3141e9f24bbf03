"""The options, their command-line form and the calendar they resolve to."""

from __future__ import annotations

import argparse
from datetime import date

import pytest

from pipeline.generate import DEMO_OPTIONS, GenerateOptions, add_arguments, options_from_args
from pipeline.generate.options import REFORM_MONTH, resolve
from pipeline.months import month_index, month_text


def parse(*argv: str) -> GenerateOptions:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return options_from_args(parser.parse_args(list(argv)))


def test_defaults_match_the_dataclass():
    assert parse() == GenerateOptions()


def test_every_option_parses():
    options = parse(
        "--scale",
        "0.5",
        "--from",
        "2019-03",
        "--to",
        "2025-09",
        "--rolls-from",
        "2025-01",
        "--seed",
        "9",
        "--defects",
        "0.01",
        "--residents",
    )
    assert options == GenerateOptions(0.5, "2019-03", "2025-09", "2025-01", 9, 0.01, residents=True)


def test_default_months_are_the_last_complete_month_and_24_roll_months():
    calendar = resolve(GenerateOptions(), today=date(2026, 11, 24))
    assert month_text(calendar.end) == "2026-10"
    assert len(calendar.roll_months) == 24 and month_text(calendar.rolls_start) == "2024-11"
    assert calendar.aggregate_years == [2018, 2019, 2020, 2021, 2022, 2023]


def test_demo_spans_the_reform_and_is_small():
    calendar = resolve(DEMO_OPTIONS)
    assert calendar.rolls_start < REFORM_MONTH <= calendar.end
    assert DEMO_OPTIONS.scale <= 0.001 and DEMO_OPTIONS.defects == 0


@pytest.mark.parametrize(
    "options",
    [
        GenerateOptions(from_month="2017-12", to_month="2025-01"),
        GenerateOptions(to_month="2031-01"),
        GenerateOptions(from_month="2025-01", to_month="2024-12"),
        GenerateOptions(to_month="2025-01", rolls_from="2025-02"),
        GenerateOptions(to_month="2025-13"),
        GenerateOptions(scale=0),
        GenerateOptions(defects=1.5),
    ],
)
def test_bad_options_are_refused_with_a_message(options):
    with pytest.raises(ValueError):
        resolve(options)


def test_month_index_round_trips():
    assert month_text(month_index("2025-07")) == "2025-07" and month_index("2025-07") == REFORM_MONTH
