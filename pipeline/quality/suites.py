"""The Great Expectations suites of the staged sources, as plain data: for each source, the frames DuckDB
computes for it (``sql/quality/*.sql``) and its ERROR and WARN suites of rules. Nothing here imports GX;
``pipeline/quality/runner.py`` turns a suite into GX expectations when it is validated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pipeline.settings import CODE_WIDTH, LEVELS, NATION_CODE

Severity = Literal["ERROR", "WARN"]

# Most person-level rows GX sees per check: a sample this size estimates a share to within ±0.5
# percentage point (95 %) and validates in well under a second.
SAMPLE_ROWS = 50_000

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
# The suites as the table of docs/data-quality.md
# ---------------------------------------------------------------------------------------------


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
