"""Great Expectations suites for the staged sources, defined in code, and the runner behind the ``gx_*``
asset checks (``assets/quality.py``).

Two layers guard staging (docs/data-quality.md):
- the row rules of ``sql/staging/*.sql`` judge every row in DuckDB and quarantine what breaks the raw
  contract: exhaustive, whatever the size of the roll;
- the suites here are the second line: GX Core validates small pandas frames that DuckDB computes
  (``sql/quality/*.sql``): per-commune aggregates and a bounded, hash-ordered sample for the rolls, the
  unit-level tables whole for the other sources. Nothing person-level larger than the sample reaches
  pandas, and no frame carries a person key or a source row.

Each source has an ERROR suite (data that must stop the marts) and a WARN suite (suspicious but
publishable). Suites are plain data: GX (≈4 s to import) is imported only when a suite is validated.
"""

from __future__ import annotations

import calendar
import functools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import dagster as dg
import duckdb

from pipeline.settings import CODE_WIDTH, LEVELS, NATION_CODE
from pipeline.warehouse import run_sql

if TYPE_CHECKING:
    import pandas as pd

Severity = Literal["ERROR", "WARN"]

# Most person-level rows GX sees per check: a sample this size estimates a share to within ±0.5
# percentage point (95 %) and validates in well under a second.
SAMPLE_ROWS = 50_000
# Failing values shown per expectation (codes, counts, years, dates: never a person key).
SAMPLE_VALUES = 5

ROLL_SCHEMES = ("BHXH_BB", "BHXH_TN", "BHTN", "BHYT")
AGGREGATE_SCHEMES = (*ROLL_SCHEMES, "BHXH")  # an aggregate may give only the BHXH total
INDICATORS = ("bhxh", "bhxh_bb", "bhxh_tn", "bhtn", "bhyt")
# A unit spelled level:code, with the code width of its level (raw contract).
UNIT_PATTERN = (
    r"^(?:nation:"
    + NATION_CODE
    + "|"
    + "|".join(f"{lvl}:\\d{{{w}}}" for lvl, w in CODE_WIDTH.items())
    + r")$"
)


@dataclass(frozen=True)
class FromReference:
    """A value set read from the reference tables when the suite runs (data, not code)."""

    name: str


BHYT_OBJECT_CODES = FromReference("bhyt_object_codes")
REFERENCE_SQL = {BHYT_OBJECT_CODES.name: "quality/bhyt_object_codes.sql"}


@dataclass(frozen=True)
class Rule:
    """One expectation: a stable name (shown in the UI, the docs and the tests), the frame it reads, the
    GX Core expectation class (in ``great_expectations.expectations``) and its arguments, and what it
    guards."""

    name: str
    frame: str
    expectation: str
    kwargs: Mapping[str, Any]
    guards: str

    @property
    def column(self) -> str:
        kwargs = self.kwargs
        if "column" in kwargs:
            return kwargs["column"]
        if "column_A" in kwargs:
            return f"{kwargs['column_A']}, {kwargs['column_B']}"
        return ", ".join(kwargs.get("column_list", ()))


@dataclass(frozen=True)
class Suite:
    source: str
    severity: Severity
    rules: tuple[Rule, ...]

    @property
    def name(self) -> str:
        return f"{self.source}_{'errors' if self.severity == 'ERROR' else 'warnings'}"

    @property
    def frames(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule.frame for rule in self.rules))


@dataclass(frozen=True)
class Frame:
    """A frame DuckDB computes for GX: its SQL file, the code columns that locate a failing row (shown
    with failing values), and its grain (why it stays small on a national roll)."""

    name: str
    sql: str
    index: tuple[str, ...]
    grain: str


@dataclass(frozen=True)
class QualitySource:
    """A staged source with its frames and its two suites."""

    name: str
    table: str  # under staging.
    frames: tuple[Frame, ...]
    errors: Suite
    warnings: Suite
    params: Mapping[str, object] = field(default_factory=dict)

    def suite(self, severity: Severity) -> Suite:
        return self.errors if severity == "ERROR" else self.warnings


def _rule(name: str, frame: str, expectation: str, guards: str, **kwargs: Any) -> Rule:
    return Rule(name, frame, expectation, kwargs, guards)


@dataclass(frozen=True)
class Where:
    """A row condition (built as a GX ``Column`` condition when the suite runs): the expectation
    applies to the rows where ``column op value`` holds."""

    column: str
    op: Literal["==", "!=", "in"]
    value: object

    def __str__(self) -> str:
        value = f"({', '.join(self.value)})" if isinstance(self.value, tuple) else self.value
        return f"{self.column} {self.op} {value}"

    def condition(self) -> Any:
        from great_expectations.expectations.row_conditions import Column

        column = Column(self.column)
        if self.op == "in":
            return column.is_in(list(self.value))
        return column == self.value if self.op == "==" else column != self.value


def _where(column: str, op: Literal["==", "!=", "in"], value: object) -> dict[str, Where]:
    return {"row_condition": Where(column, op, value)}


def _unit_rules(frame: str) -> tuple[Rule, ...]:
    """ERROR rules every unit-level source shares."""
    return (
        _rule(
            "unit_level_known",
            frame,
            "ExpectColumnValuesToBeInSet",
            "unit_level is nation, province, district or commune: the marts roll figures up by level.",
            column="unit_level",
            value_set=list(LEVELS),
        ),
        _rule(
            "unit_code_width_matches_level",
            frame,
            "ExpectColumnValuesToMatchRegex",
            "Codes are strings of their level's width (province 2, district 3, commune 5 digits, nation VN): "
            "a code that lost its leading zeros or sits at the wrong level joins nothing.",
            column="unit",
            regex=UNIT_PATTERN,
        ),
        _rule(
            "unit_exists_in_vintage",
            frame,
            "ExpectColumnValuesToBeInSet",
            "Every unit exists in ref.admin_units in its boundary vintage as the reference stands now (it "
            "may have been rebuilt with a new vintage since ingestion): an unknown unit's figures would "
            "drop out of every higher level.",
            column="unit_in_vintage",
            value_set=[True],
        ),
    )


# ---------------------------------------------------------------------------------------------
# Rolls: per-(month, commune, scheme) aggregate + a bounded sample
# ---------------------------------------------------------------------------------------------

_BY_COMMUNE = "rolls_by_commune"
_SAMPLE = "rolls_sample"

ROLLS = QualitySource(
    name="rolls",
    table="rolls",
    frames=(
        Frame(
            _BY_COMMUNE,
            "quality/rolls_by_commune.sql",
            ("period", "commune_code", "scheme"),
            "one row per month, commune and scheme (≈3,300 × 4 a month nationally)",
        ),
        Frame(
            _SAMPLE,
            "quality/rolls_sample.sql",
            ("commune_code", "scheme"),
            f"at most {SAMPLE_ROWS:,} roll rows drawn by a hash of the person key",
        ),
    ),
    errors=Suite(
        "rolls",
        "ERROR",
        (
            _rule(
                "scheme_in_roll_schemes",
                _BY_COMMUNE,
                "ExpectColumnValuesToBeInSet",
                "A roll row is BHXH_BB, BHXH_TN, BHTN or BHYT (BHXH is derived, never delivered): another "
                "value would be an indicator the marts do not know.",
                column="scheme",
                value_set=list(ROLL_SCHEMES),
            ),
            _rule(
                "commune_code_is_5_digits",
                _BY_COMMUNE,
                "ExpectColumnValuesToMatchRegex",
                "Commune codes are 5-digit GSO strings: a code that lost its leading zeros or a district "
                "code would not join ref.admin_units.",
                column="commune_code",
                regex=r"^\d{5}$",
            ),
            _rule(
                "commune_exists_in_vintage",
                _BY_COMMUNE,
                "ExpectColumnValuesToBeInSet",
                "Every commune exists in ref.admin_units in the row's vintage as the reference stands now: "
                "otherwise its participants vanish from the district, province and nation.",
                column="commune_in_vintage",
                value_set=[True],
            ),
            _rule(
                "vintage_is_the_one_in_force",
                _BY_COMMUNE,
                "ExpectColumnPairValuesToBeEqual",
                "The vintage of a month is the one in force on its snapshot date: after a new vintage is "
                "added to the reference, months ingested before it hold codes of the wrong map (province 24 "
                "is Bắc Giang before 2025-07-01 and Bắc Ninh after) and must be re-ingested.",
                column_A="vintage",
                column_B="vintage_in_force",
            ),
            _rule(
                "period_is_month_end",
                _BY_COMMUNE,
                "ExpectColumnPairValuesToBeEqual",
                "period is the last day of the roll month: the marts join rolls, aggregates and "
                "denominators on that date.",
                column_A="period",
                column_B="month_end",
            ),
            _rule(
                "bhyt_object_code_in_reference",
                _SAMPLE,
                "ExpectColumnValuesToBeInSet",
                "BHYT object codes are codes of ref.bhyt_object_codes: the participant-group breakdown "
                "(groups 1-5) depends on it.",
                column="bhyt_object_code",
                value_set=BHYT_OBJECT_CODES,
            ),
            _rule(
                "bhyt_object_code_present",
                _SAMPLE,
                "ExpectColumnValuesToNotBeNull",
                "Every BHYT row has an object code (from the column or the card number).",
                column="bhyt_object_code",
                **_where("scheme", "==", "BHYT"),
            ),
            _rule(
                "bhyt_object_code_only_on_bhyt",
                _SAMPLE,
                "ExpectColumnValuesToBeNull",
                "Only BHYT rows carry an object code: a code on a BHXH/BHTN row would count that person in a "
                "BHYT group.",
                column="bhyt_object_code",
                **_where("scheme", "!=", "BHYT"),
            ),
            _rule(
                "birth_year_from_1900",
                _SAMPLE,
                "ExpectColumnValuesToBeBetween",
                "Birth years start at 1900 (a 2-digit year or a placeholder such as 0 fails).",
                column="birth_year",
                min_value=1900,
            ),
            _rule(
                "birth_year_not_after_period",
                _SAMPLE,
                "ExpectColumnValuesToBeBetween",
                "age = year of the snapshot - birth year is never negative.",
                column="age",
                min_value=0,
            ),
            _rule(
                "sex_is_m_or_f",
                _SAMPLE,
                "ExpectColumnValuesToBeInSet",
                "sex is normalised to M or F (Nam / Nữ mapped at ingestion).",
                column="sex",
                value_set=["M", "F"],
            ),
            _rule(
                "valid_from_not_after_valid_to",
                _SAMPLE,
                "ExpectColumnPairValuesAToBeGreaterThanB",
                "A coverage period does not end before it starts.",
                column_A="valid_to",
                column_B="valid_from",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            _rule(
                "is_active_matches_validity",
                _SAMPLE,
                "ExpectColumnPairValuesToBeEqual",
                "is_active (who is counted as a participant) is exactly valid_from <= snapshot date <= "
                "valid_to with open bounds.",
                column_A="is_active",
                column_B="active_on_period",
            ),
            _rule(
                "in_both_bhxh_only_on_bhxh",
                _SAMPLE,
                "ExpectColumnValuesToBeInSet",
                "The in-both-BHXH flag (counted once in BHXH) is set on BHXH_BB/BHXH_TN rows only.",
                column="in_both_bhxh",
                value_set=[False],
                **_where("scheme", "in", ("BHTN", "BHYT")),
            ),
        ),
    ),
    warnings=Suite(
        "rolls",
        "WARN",
        (
            _rule(
                "bhyt_rows_mostly_active",
                _BY_COMMUNE,
                "ExpectColumnValuesToBeBetween",
                "In at least 95% of communes, at least half of the BHYT rows are active on the snapshot "
                "date: a commune where most cards have expired usually means valid_to was misread or the "
                "export is stale, and its coverage would collapse.",
                column="active_share",
                min_value=0.5,
                max_value=1.0,
                mostly=0.95,
                **_where("scheme", "==", "BHYT"),
            ),
            _rule(
                "few_people_in_both_bhxh",
                _BY_COMMUNE,
                "ExpectColumnValuesToBeBetween",
                "In at least 95% of communes, under 1% of BHXH rows are people in both compulsory and "
                "voluntary BHXH (illegal; counted once): more points at a duplicated export.",
                column="in_both_bhxh_share",
                max_value=0.01,
                mostly=0.95,
                **_where("scheme", "in", ("BHXH_BB", "BHXH_TN")),
            ),
            _rule(
                "few_codes_remapped",
                _BY_COMMUNE,
                "ExpectColumnValuesToBeBetween",
                "In at least 95% of commune-scheme rows, at most 5% of codes were pre-reform codes mapped "
                "through the crosswalk: a province still exporting on the old map should be told.",
                column="code_remapped_share",
                max_value=0.05,
                mostly=0.95,
            ),
            _rule(
                "bhyt_participants_within_population",
                _BY_COMMUNE,
                "ExpectColumnValuesToBeBetween",
                "Where a commune has a population figure for the year, BHYT participants stay within 105% "
                "of it in at least 95% of communes (people are managed where they live or work).",
                column="participants_per_population",
                max_value=1.05,
                mostly=0.95,
            ),
            _rule(
                "bhxh_bhtn_working_age",
                _SAMPLE,
                "ExpectColumnValuesToBeBetween",
                "At least 95% of sampled BHXH/BHTN participants are 15-65 years old: BHXH and BHTN are for "
                "working people; many children or elderly point at a scheme or birth-year mix-up.",
                column="age",
                min_value=15,
                max_value=65,
                mostly=0.95,
                **_where("scheme", "!=", "BHYT"),
            ),
            _rule(
                "te_cards_under_6",
                _SAMPLE,
                "ExpectColumnValuesToBeBetween",
                "At least 99% of sampled TE cards (children under 6) belong to people aged 6 or less in the "
                "snapshot year.",
                column="age",
                min_value=0,
                max_value=6,
                mostly=0.99,
                **_where("bhyt_object_code", "==", "TE"),
            ),
            _rule(
                "birth_year_mostly_given",
                _SAMPLE,
                "ExpectColumnValuesToNotBeNull",
                "At least 90% of sampled rows have a birth year: age breakdowns and the age rules need it.",
                column="birth_year",
                mostly=0.9,
            ),
            _rule(
                "sex_balance_plausible",
                _SAMPLE,
                "ExpectColumnMeanToBeBetween",
                "Women are 35-65% of sampled rows with a sex: outside that, sex codes were likely mapped "
                "wrongly for a whole file.",
                column="female",
                min_value=0.35,
                max_value=0.65,
            ),
        ),
    ),
)

# ---------------------------------------------------------------------------------------------
# Aggregates, denominators, targets, plans: unit-level tables, validated whole
# ---------------------------------------------------------------------------------------------

AGGREGATES = QualitySource(
    name="aggregates",
    table="aggregates",
    frames=(
        Frame(
            "aggregates",
            "quality/aggregates.sql",
            ("unit", "scheme", "as_of"),
            "staging.aggregates whole: one row per unit, date and scheme",
        ),
    ),
    errors=Suite(
        "aggregates",
        "ERROR",
        (
            _rule(
                "participants_non_negative",
                "aggregates",
                "ExpectColumnValuesToBeBetween",
                "Counts are never negative (a negative count would subtract participants in the roll-up).",
                column="participants",
                min_value=0,
            ),
            _rule(
                "scheme_in_aggregate_schemes",
                "aggregates",
                "ExpectColumnValuesToBeInSet",
                "Aggregates are BHXH_BB, BHXH_TN, BHXH, BHTN or BHYT.",
                column="scheme",
                value_set=list(AGGREGATE_SCHEMES),
            ),
            *_unit_rules("aggregates"),
            _rule(
                "one_count_per_unit_date_scheme",
                "aggregates",
                "ExpectCompoundColumnsToBeUnique",
                "One count per unit, date and scheme: a second one would be summed twice.",
                column_list=["as_of", "vintage", "unit_level", "unit_code", "scheme"],
            ),
        ),
    ),
    warnings=Suite(
        "aggregates",
        "WARN",
        (
            _rule(
                "change_on_year_before_plausible",
                "aggregates",
                "ExpectColumnValuesToBeBetween",
                "At least 95% of counts are within half and double the same unit's count a year earlier: "
                "coverage moves a few points a year, so a jump is usually a unit or scheme mix-up.",
                column="change_on_year_before",
                min_value=0.5,
                max_value=2.0,
                mostly=0.95,
            ),
            _rule(
                "participants_within_denominator",
                "aggregates",
                "ExpectColumnValuesToBeBetween",
                "Where the unit has a denominator for the year, at least 95% of counts are within 105% of it "
                "(population for BHYT, labour force otherwise): a coverage rate over 100% is implausible.",
                column="participants_per_denominator",
                max_value=1.05,
                mostly=0.95,
            ),
            _rule(
                "as_of_is_month_end",
                "aggregates",
                "ExpectColumnPairValuesToBeEqual",
                "Aggregates are normally read at a month end (raw contract); other dates do not line up "
                "with the monthly marts.",
                column_A="as_of",
                column_B="month_end",
                mostly=0.95,
            ),
        ),
    ),
)


def _denominator_source(kind: str) -> QualitySource:
    frame = "denominators"
    band = (0.9, 1.1) if kind == "population" else (0.8, 1.25)
    share = _rule(
        "labour_force_share_plausible",
        frame,
        "ExpectColumnValuesToBeBetween",
        "Where a unit has both figures for a year, the working-age labour force is 25-80% of the "
        "population (≈47% nationally) in at least 95% of units: outside that, one of the two is wrong "
        "(often a figure in thousands, as yearbooks print them).",
        column="labour_force_share",
        min_value=0.25,
        max_value=0.8,
        mostly=0.95,
    )
    change = _rule(
        "change_on_year_before_plausible",
        frame,
        "ExpectColumnValuesToBeBetween",
        f"At least 95% of figures are within {band[0]:g}-{band[1]:g} times the same unit's figure a year "
        f"earlier (same vintage): {kind.replace('_', ' ')} moves slowly.",
        column="change_on_year_before",
        min_value=band[0],
        max_value=band[1],
        mostly=0.95,
    )
    levels = (
        _rule(
            f"{kind}_in_line_with_its_level",
            frame,
            "ExpectColumnValuesToBeBetween",
            f"Each {kind.replace('_', ' ')} figure is within 1/100 and 100 times the median of its level "
            "and year: a figure in thousands, or given at the wrong level, is far off. Scale-free, so it "
            "holds for scaled synthetic data too.",
            column="ratio_to_level_median",
            min_value=0.01,
            max_value=100,
            mostly=0.99,
        ),
    )
    return QualitySource(
        name=kind,
        table="denominators",
        params={"source": kind},
        frames=(
            Frame(
                frame,
                "quality/denominators.sql",
                ("unit", "year"),
                f"staging.denominators of kind {kind} whole: one row per unit and year",
            ),
        ),
        errors=Suite(
            kind,
            "ERROR",
            (
                _rule(
                    "one_figure_per_unit_and_year",
                    frame,
                    "ExpectCompoundColumnsToBeUnique",
                    "One figure per unit, year and vintage: two would make the rate ambiguous.",
                    column_list=["year", "vintage", "unit_level", "unit_code"],
                ),
                *_unit_rules(frame),
            ),
        ),
        warnings=Suite(kind, "WARN", (share, change, *levels)),
    )


POPULATION = _denominator_source("population")
LABOUR_FORCE = _denominator_source("labour_force")

TARGETS = QualitySource(
    name="targets",
    table="targets",
    frames=(
        Frame(
            "targets",
            "quality/targets.sql",
            ("unit", "year", "indicator"),
            "staging.targets whole: one row per unit, year and indicator",
        ),
    ),
    errors=Suite(
        "targets",
        "ERROR",
        (
            _rule(
                "target_pct_between_0_and_100",
                "targets",
                "ExpectColumnValuesToBeBetween",
                "A target is a percentage, 0-100.",
                column="target_pct",
                min_value=0,
                max_value=100,
            ),
            _rule(
                "indicator_known",
                "targets",
                "ExpectColumnValuesToBeInSet",
                "Indicators are bhxh, bhxh_bb, bhxh_tn, bhtn and bhyt: the gap marts match them to rates.",
                column="indicator",
                value_set=list(INDICATORS),
            ),
            _rule(
                "one_target_per_unit_year_indicator",
                "targets",
                "ExpectCompoundColumnsToBeUnique",
                "One target per unit, year and indicator: two would make the gap ambiguous.",
                column_list=["year", "vintage", "unit_level", "unit_code", "indicator"],
            ),
            *_unit_rules("targets"),
        ),
    ),
    warnings=Suite(
        "targets",
        "WARN",
        (
            _rule(
                "target_is_a_percentage_not_a_fraction",
                "targets",
                "ExpectColumnValuesToBeBetween",
                "Targets are at least 1%: 0.95 for 95% is a fraction, which passes 0-100 but would make "
                "every unit look far above target. Voluntary BHXH is left out: its real targets can be "
                "below 1%.",
                column="target_pct",
                min_value=1,
                **_where("indicator", "!=", "bhxh_tn"),
            ),
            _rule(
                "bhyt_target_plausible",
                "targets",
                "ExpectColumnValuesToBeBetween",
                "BHYT targets are 80-100% (92-96% in recent years, nationally and in provinces).",
                column="target_pct",
                min_value=80,
                max_value=100,
                **_where("indicator", "==", "bhyt"),
            ),
            _rule(
                "bhxh_components_add_up",
                "targets",
                "ExpectColumnValuesToBeBetween",
                "Where a unit has bhxh, bhxh_bb and bhxh_tn targets for a year, BB + TN is the total within "
                "1 point (Hải Dương 2022: 42.6 + 6 = 48.6).",
                column="bhxh_components_gap",
                min_value=-1,
                max_value=1,
            ),
            _rule(
                "due_within_target_year",
                "targets",
                "ExpectColumnPairValuesToBeEqual",
                "A target is due within its year (default 31 December): another year is usually a typo.",
                column_A="due_year",
                column_B="year",
            ),
        ),
    ),
)

PLANS = QualitySource(
    name="plans",
    table="plans",
    frames=(
        Frame(
            "plans",
            "quality/plans.sql",
            ("unit", "year", "scheme"),
            "staging.plans whole: one row per unit, year, scheme and object code",
        ),
    ),
    errors=Suite(
        "plans",
        "ERROR",
        (
            _rule(
                "planned_new_non_negative",
                "plans",
                "ExpectColumnValuesToBeBetween",
                "A plan of new participants is never negative.",
                column="planned_new",
                min_value=0,
            ),
            _rule(
                "scheme_in_roll_schemes",
                "plans",
                "ExpectColumnValuesToBeInSet",
                "Plans are per BHXH_BB, BHXH_TN, BHTN or BHYT, the schemes attainment is measured on.",
                column="scheme",
                value_set=list(ROLL_SCHEMES),
            ),
            _rule(
                "bhyt_object_code_in_reference",
                "plans",
                "ExpectColumnValuesToBeInSet",
                "A plan narrowed to an object code (e.g. household GD) names a code of "
                "ref.bhyt_object_codes.",
                column="bhyt_object_code",
                value_set=BHYT_OBJECT_CODES,
            ),
            _rule(
                "bhyt_object_code_only_on_bhyt",
                "plans",
                "ExpectColumnValuesToBeNull",
                "Only BHYT plans are narrowed to an object code.",
                column="bhyt_object_code",
                **_where("scheme", "!=", "BHYT"),
            ),
            _rule(
                "one_plan_per_unit_year_scheme_code",
                "plans",
                "ExpectCompoundColumnsToBeUnique",
                "One plan per unit, year, scheme and object code: two would double the assignment.",
                column_list=["year", "vintage", "unit_level", "unit_code", "scheme", "bhyt_object_code"],
            ),
            *_unit_rules("plans"),
        ),
    ),
    warnings=Suite(
        "plans",
        "WARN",
        (
            _rule(
                "plan_within_population",
                "plans",
                "ExpectColumnValuesToBeBetween",
                "New participants planned for one year stay within 25% of the unit's population (its figure "
                "for the year, else the latest earlier one); Tứ Kỳ's household BHYT plan was ≈1%.",
                column="planned_per_population",
                max_value=0.25,
            ),
        ),
    ),
)

SOURCES: tuple[QualitySource, ...] = (ROLLS, AGGREGATES, POPULATION, LABOUR_FORCE, TARGETS, PLANS)


# ---------------------------------------------------------------------------------------------
# The runner
# ---------------------------------------------------------------------------------------------


@dataclass
class RuleOutcome:
    rule: Rule
    success: bool
    observed: Any = None
    element_count: int | None = None
    missing_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    failing_samples: list[Any] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "expectation": self.rule.name,
            "gx_type": self.rule.expectation,
            "frame": self.rule.frame,
            "column": self.rule.column,
            "success": self.success,
            "observed_value": self.observed,
            "element_count": self.element_count,
            "missing_count": self.missing_count,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "failing_samples": self.failing_samples,
            **({"error": self.error} if self.error else {}),
        }


@dataclass
class SuiteOutcome:
    suite: Suite
    outcomes: list[RuleOutcome]
    rows: dict[str, int]
    skipped: list[str]  # rules whose frame had no rows
    seconds: float

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[str]:
        return [o.rule.name for o in self.outcomes if not o.success]


@functools.lru_cache(maxsize=1)
def _batch_definition() -> Any:
    """One ephemeral GX context per process (building it costs nothing once GX is imported): a pandas
    datasource with one dataframe asset, validated whole. No analytics, no progress bars."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    asset = context.data_sources.add_pandas("staging").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _expectation(rule: Rule, reference: Mapping[str, Sequence[object]]) -> Any:
    import great_expectations as gx

    kwargs = {}
    for key, value in rule.kwargs.items():
        if isinstance(value, FromReference):
            value = list(reference[value.name])
        elif isinstance(value, Where):
            value = value.condition()
        kwargs[key] = value
    return getattr(gx.expectations, rule.expectation)(**kwargs, meta={"name": rule.name})


def validate(
    suite: Suite,
    frames: Mapping[str, pd.DataFrame],
    reference: Mapping[str, Sequence[object]] | None = None,
    index: Mapping[str, Sequence[str]] | None = None,
) -> SuiteOutcome:
    """Validate ``frames`` (by frame name) against ``suite``; rules on an empty frame are skipped.
    ``index`` names, per frame, the code columns shown beside each failing value."""
    import great_expectations as gx

    started = time.perf_counter()
    reference = reference or {}
    index = index or {}
    outcomes: list[RuleOutcome] = []
    skipped: list[str] = []
    rows = {name: len(frames[name]) for name in suite.frames}
    for frame_name in suite.frames:
        rules = [rule for rule in suite.rules if rule.frame == frame_name]
        frame = frames[frame_name]
        if frame.empty:
            skipped.extend(rule.name for rule in rules)
            continue
        gx_suite = gx.ExpectationSuite(
            name=f"{suite.name}.{frame_name}", expectations=[_expectation(r, reference) for r in rules]
        )
        result_format: dict[str, Any] = {
            "result_format": "SUMMARY",
            "partial_unexpected_count": SAMPLE_VALUES,
        }
        columns = [c for c in index.get(frame_name, ()) if c in frame.columns]
        if columns:
            result_format["unexpected_index_column_names"] = columns
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(gx_suite, result_format=result_format)
        by_name = {r.expectation_config.meta["name"]: r for r in result.results}
        outcomes.extend(_outcome(rule, by_name.get(rule.name)) for rule in rules)
    return SuiteOutcome(suite, outcomes, rows, skipped, time.perf_counter() - started)


def _outcome(rule: Rule, result: Any) -> RuleOutcome:
    if result is None:
        return RuleOutcome(rule, success=False, error="no result returned by GX")
    details = dict(result.result or {})
    error = _exception_message(result.exception_info)
    samples = details.get("partial_unexpected_index_list") or details.get("partial_unexpected_list") or []
    return RuleOutcome(
        rule,
        success=bool(result.success) and error is None,
        observed=_plain(details.get("observed_value")),
        element_count=_plain(details.get("element_count")),
        missing_count=_plain(details.get("missing_count")),
        unexpected_count=_plain(details.get("unexpected_count")),
        unexpected_percent=_round(details.get("unexpected_percent")),
        failing_samples=[_plain(s) for s in samples[:SAMPLE_VALUES]],
        error=error,
    )


def _exception_message(info: Any) -> str | None:
    """GX reports a raised exception either at the top level or per metric."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def _round(value: Any) -> float | None:
    value = _plain(value)
    return round(value, 3) if isinstance(value, float) else value


def _plain(value: Any) -> Any:
    """numpy/pandas scalars, NaN/NA/NaT, timestamps and containers -> JSON-friendly Python values."""
    import pandas as pd

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, datetime):  # pandas Timestamps included; dates arrive as midnight timestamps
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars, numpy datetime64
        try:
            item = value.item()
        except (TypeError, ValueError):
            return str(value)
        if isinstance(item, int) and "datetime64" in str(value.dtype):  # nanoseconds come back as an int
            item = pd.Timestamp(item)
        return _plain(item)
    return str(value)


# ---------------------------------------------------------------------------------------------
# From the warehouse to a Dagster check result
# ---------------------------------------------------------------------------------------------


def month_bounds(first_month: str | None, last_month: str | None) -> tuple[date | None, date | None]:
    """Month keys (YYYY-MM) -> the month-end dates of the first and last roll snapshots."""

    def month_end(key: str | None) -> date | None:
        if not key:
            return None
        year, month = (int(part) for part in key.split("-"))
        return date(year, month, calendar.monthrange(year, month)[1])

    return month_end(first_month), month_end(last_month)


def load_frames(
    connection: duckdb.DuckDBPyConnection,
    source: QualitySource,
    suite: Suite,
    params: Mapping[str, object],
) -> dict[str, pd.DataFrame]:
    """The suite's frames, computed by DuckDB (``sql/quality/``) and handed to pandas (small by design)."""
    bound = {"sample_rows": SAMPLE_ROWS, **source.params, **params}
    by_name = {frame.name: frame for frame in source.frames}
    return {name: run_sql(connection, by_name[name].sql, bound).df() for name in suite.frames}


def load_reference(connection: duckdb.DuckDBPyConnection, suite: Suite) -> dict[str, list[object]]:
    wanted = {v.name for rule in suite.rules for v in rule.kwargs.values() if isinstance(v, FromReference)}
    return {name: [row[0] for row in run_sql(connection, REFERENCE_SQL[name]).fetchall()] for name in wanted}


def run_suite(
    connection: duckdb.DuckDBPyConnection,
    source: QualitySource,
    severity: Severity,
    params: Mapping[str, object] | None = None,
) -> dg.AssetCheckResult:
    """Validate one source's suite against the working database and report it as a check result."""
    suite = source.suite(severity)
    params = dict(params or {})
    exists = run_sql(connection, "quality/staging_table_exists.sql", {"table": source.table}).fetchone()
    if not exists or not exists[0]:
        return nothing_to_validate(suite, f"staging.{source.table} does not exist yet")
    frames = load_frames(connection, source, suite, params)
    if all(frame.empty for frame in frames.values()):
        reason = f"no {source.name} rows in staging.{source.table}"
        if "first_period" in params:
            reason += " for the months of the run" if params["first_period"] else ""
        return nothing_to_validate(suite, reason, params)
    reference = load_reference(connection, suite)
    index = {frame.name: frame.index for frame in source.frames}
    return check_result(validate(suite, frames, reference, index), source, params)


def _severity(suite: Suite) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if suite.severity == "ERROR" else dg.AssetCheckSeverity.WARN


def _params_metadata(params: Mapping[str, object]) -> dict[str, str]:
    return {f"param_{k}": "latest in staging" if v is None else str(v) for k, v in params.items()}


def nothing_to_validate(
    suite: Suite, reason: str, params: Mapping[str, object] | None = None
) -> dg.AssetCheckResult:
    """No data yet is not an error: the check passes and says so."""
    return dg.AssetCheckResult(
        passed=True,
        severity=_severity(suite),
        description=f"Nothing to validate: {reason}.",
        metadata={
            "suite": suite.name,
            "nothing_to_validate": reason,
            "expectations_in_suite": len(suite.rules),
            **_params_metadata(params or {}),
        },
    )


def check_result(
    outcome: SuiteOutcome, source: QualitySource, params: Mapping[str, object] | None = None
) -> dg.AssetCheckResult:
    """The suite outcome as a Dagster check result: every expectation with its observed value, unexpected
    count and share, and a few failing values with the codes that locate them."""
    suite = outcome.suite
    failed = outcome.failed
    description = (
        f"{len(outcome.outcomes)} expectations met"
        if not failed
        else f"{len(failed)} of {len(outcome.outcomes)} expectations failed: {', '.join(failed)}"
    )
    grains = {frame.name: frame.grain for frame in source.frames if frame.name in outcome.rows}
    metadata: dict[str, Any] = {
        "suite": suite.name,
        "evaluated": len(outcome.outcomes),
        "failed": len(failed),
        "failed_expectations": dg.MetadataValue.json(failed),
        "expectations": dg.MetadataValue.md(_markdown(outcome)),
        "results": dg.MetadataValue.json([o.as_dict() for o in outcome.outcomes]),
        "rows_validated": dg.MetadataValue.json(outcome.rows),
        "grain": dg.MetadataValue.json(grains),
        "gx_seconds": round(outcome.seconds, 3),
        **_params_metadata(params or {}),
    }
    if outcome.skipped:
        metadata["skipped_empty_frame"] = dg.MetadataValue.json(outcome.skipped)
    return dg.AssetCheckResult(
        passed=outcome.success, severity=_severity(suite), description=description, metadata=metadata
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value) if not isinstance(value, float) else f"{value:.4g}"
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(outcome: SuiteOutcome) -> str:
    header = (
        "| expectation | frame | GX type | column | ok | rows checked | observed | unexpected | % "
        "| failing samples |"
    )
    lines = [header, "|" + " --- |" * 10]
    for o in outcome.outcomes:
        samples = "; ".join(
            ", ".join(f"{k}={_cell(v)}" for k, v in s.items()) if isinstance(s, dict) else _cell(s)
            for s in o.failing_samples
        )
        observed = f"error: {o.error}" if o.error else o.observed
        checked = None if o.element_count is None else o.element_count - (o.missing_count or 0)
        cells = [
            o.rule.name,
            o.rule.frame,
            o.rule.expectation,
            o.rule.column,
            "✅" if o.success else "❌",
            checked,
            observed,
            o.unexpected_count,
            o.unexpected_percent,
            samples,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _number(value: object) -> str:
    if value is None:
        return "…"
    return f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else str(value)


def _arguments(rule: Rule) -> str:
    """The arguments of an expectation, briefly (for the docs)."""
    kwargs = rule.kwargs
    parts = [rule.column]
    if "min_value" in kwargs or "max_value" in kwargs:
        low, high = (_number(kwargs.get(bound)) for bound in ("min_value", "max_value"))
        parts.append(f"{low} to {high}")
    if isinstance(kwargs.get("value_set"), FromReference):
        parts.append(f"in ref.{kwargs['value_set'].name}")
    elif "value_set" in kwargs:
        parts.append("in {" + ", ".join(str(v) for v in kwargs["value_set"]) + "}")
    if "regex" in kwargs:
        parts.append(f"`{kwargs['regex']}`")
    if kwargs.get("or_equal"):
        parts.append("or equal")
    if "row_condition" in kwargs:
        parts.append(f"where {kwargs['row_condition']}")
    if "mostly" in kwargs:
        parts.append(f"mostly {kwargs['mostly']}")
    return "; ".join(parts)


def expectations_markdown() -> str:
    """Every expectation of every suite as a markdown table (the one in docs/data-quality.md)."""
    lines = [
        "| source | suite | expectation | frame | GX Core expectation (arguments) | guards |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for source in SOURCES:
        for suite in (source.errors, source.warnings):
            for rule in suite.rules:
                cells = [
                    source.name,
                    suite.severity,
                    f"`{rule.name}`",
                    rule.frame,
                    f"{rule.expectation} ({_arguments(rule)})",
                    rule.guards,
                ]
                lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
