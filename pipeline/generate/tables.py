"""The yearly sources: denominators, aggregates, targets and plans (small polars frames).

Codes are those of the vintage in force on each row's reference date (31 December of ``year``; ``as_of``
for aggregates), and every row says so in its ``vintage`` column. The reform year's denominators,
targets and plans also exist on the old units (``vintage`` = the pre-reform vintage): offices reported
on them until July, against targets assigned in January.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from pipeline.generate.calibration import national_targets
from pipeline.generate.geography import Denominators, apportion
from pipeline.generate.model import Model
from pipeline.generate.people import (
    BB_EXIT,
    GD_TERM_SHARE,
    GD_TERMS,
    RENEWAL,
    TN_RENEWAL,
    TN_TERM_SHARE,
    TN_TERMS,
    C,
)
from pipeline.settings import NATION_CODE, PRE_REFORM_VINTAGE, REFORM_VINTAGE

INDICATORS = ("bhxh", "bhxh_bb", "bhxh_tn", "bhtn", "bhyt")
COMMUNE_INDICATORS = ("bhxh", "bhyt")  # what communes are assigned (the domain guide's examples)
# Provinces are set around the national path by this share of how far they stand from the nation.
TARGET_PULL = 0.8
TARGET_FLOOR = {"bhxh_bb": 1.0, "bhxh_tn": 0.2, "bhtn": 1.0, "bhyt": 80.0}
# A commune's BHXH target (compulsory + voluntary) is at least 1%, like any BHXH target: lower reads as a
# fraction (0.95 for 95%), which the targets' WARN check target_is_a_percentage_not_a_fraction flags.
COMMUNE_BHXH_FLOOR = 1.0
# Plans ask for the expected gross entries (growth plus replacement of those who stop) plus 5%.
PLAN_AMBITION = 1.05
# Monthly share of participants who stop and are replaced, as the simulation settles at (measured on the
# demo data: compulsory ≈ 0.95%, voluntary ≈ 2.3%; BHYT ≈ 0.85% counting newborns, household lapses and
# pupils or near-poor who did not renew).
MONTHLY_TURNOVER = {
    "bb": BB_EXIT,
    "tn": (1 - TN_RENEWAL) / float((TN_TERMS * TN_TERM_SHARE).sum()),
    "bhtn": BB_EXIT,
    "bhyt": 0.0085,
}
HOUSEHOLD_SHARE = 0.35  # GD cards among BHYT participants (what the simulation settles at, roughly)
GD_TURNOVER = (1 - RENEWAL[C["GD"]]) / float((GD_TERMS * GD_TERM_SHARE).sum())
PLAN_SCHEMES = (
    ("BHXH_BB", None, "bb"),
    ("BHXH_TN", None, "tn"),
    ("BHTN", None, "bhtn"),
    ("BHYT", None, "bhyt"),
    ("BHYT", "GD", "gd"),
)
LOCAL_PLANS = ("tn", "gd")  # districts and communes are assigned voluntary BHXH and household BHYT plans


def vintage_of(day: date) -> date:
    return REFORM_VINTAGE if day >= REFORM_VINTAGE else PRE_REFORM_VINTAGE


def year_vintages(year: int) -> list[date]:
    """The vintages a year's figures are written on: the one in force in December, and for the reform
    year also the one in force in January."""
    december, january = vintage_of(date(year, 12, 31)), vintage_of(date(year, 1, 1))
    return [december] if january == december else [december, january]


def _frame(year: int, vintage: date, levels: list[str], codes: list[str], **columns) -> pl.DataFrame:
    return pl.DataFrame(
        {"year": [year] * len(codes), "unit_level": levels, "unit_code": codes, **columns},
        schema_overrides={"unit_code": pl.String, "unit_level": pl.String},
    ).with_columns(vintage=pl.lit(vintage))


def denominator_frame(
    den: Denominators, column: str, province_source: str, commune_source: str
) -> pl.DataFrame:
    codes = list(den.province_codes) + den.commune_codes.tolist()
    levels = ["province"] * len(den.province_codes) + ["commune"] * len(den.commune_codes)
    values = np.concatenate([den.province, den.commune])
    sources = [province_source] * len(den.province_codes) + [commune_source] * len(den.commune_codes)
    vintage = REFORM_VINTAGE if den.post_reform else PRE_REFORM_VINTAGE
    return _frame(den.year, vintage, levels, codes, **{column: values.tolist()}).with_columns(
        source=pl.Series(sources)
    )


def _to_vintage(model: Model, values: np.ndarray, vintage: date) -> tuple[list[str], np.ndarray]:
    """Pre-reform province values, summed onto the provinces of ``vintage``."""
    if vintage == PRE_REFORM_VINTAGE:
        return model.geo.provinces, values
    geo = model.geo
    return geo.new_provinces, np.bincount(geo.new_province_of, values, minlength=len(geo.new_provinces))


def aggregates_frame(model: Model, year: int, source: str) -> pl.DataFrame:
    frames = []
    for scheme, key in (("BHXH_BB", "bb"), ("BHXH_TN", "tn"), ("BHTN", "bhtn"), ("BHYT", "bhyt")):
        # the same rounding as the rolls' monthly counts, so the first roll month continues the series
        codes, counts = _to_vintage(
            model, np.rint(model.december_counts(key, year)), vintage_of(date(year, 12, 31))
        )
        frames.append(
            pl.DataFrame(
                {"unit_code": codes, "participants": counts.astype(np.int64)},
                schema_overrides={"unit_code": pl.String},
            ).with_columns(scheme=pl.lit(scheme))
        )
    as_of = date(year, 12, 31)
    return pl.concat(frames).select(
        as_of=pl.lit(as_of),
        unit_level=pl.lit("province"),
        unit_code="unit_code",
        scheme="scheme",
        participants="participants",
        vintage=pl.lit(vintage_of(as_of)),
        source=pl.lit(source),
    )


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------


def _rates_in_vintage(model: Model, vintage: date, rate_year: int) -> dict[str, np.ndarray]:
    """Each indicator's model rate in ``rate_year`` for the provinces of ``vintage``, plus nation."""
    lf = model.stats.working_age_lf[:, model.stats.year_index(rate_year)]
    pop = model.stats.population[:, model.stats.year_index(rate_year)]
    result = {}
    for indicator in INDICATORS:
        weight = pop if indicator == "bhyt" else lf
        rate = model.rate(indicator, rate_year)
        _, numerator = _to_vintage(model, rate * weight, vintage)
        _, denominator = _to_vintage(model, weight, vintage)
        result[indicator] = numerator / denominator
        result[indicator + "_nation"] = (rate * weight).sum() / weight.sum()
    return result


def province_targets(
    model: Model, year: int, vintage: date
) -> tuple[list[str], dict[str, np.ndarray], dict[str, float]]:
    """Province targets on the provinces of ``vintage``: the national path plus TARGET_PULL × the
    province's distance from the nation last year (so provinces behind, the poorer mountainous ones,
    get lower targets); BHXH = BB + TN."""
    national = {k: v[year] for k, v in national_targets().items()}
    standing = _rates_in_vintage(model, vintage, year - 1)
    codes, _ = _to_vintage(model, np.zeros(len(model.geo.provinces)), vintage)
    targets = {}
    for indicator in ("bhxh_bb", "bhxh_tn", "bhtn", "bhyt"):
        distance = standing[indicator] - standing[indicator + "_nation"]
        value = national[indicator] + TARGET_PULL * distance
        targets[indicator] = np.round(np.clip(value, TARGET_FLOOR[indicator], 100.0), 1)
    targets["bhxh"] = np.round(np.minimum(targets["bhxh_bb"] + targets["bhxh_tn"], 100.0), 1)
    targets["bhtn"] = np.minimum(targets["bhtn"], targets["bhxh_bb"])
    return codes, targets, national


def targets_frame(model: Model, year: int, source: str, vintage: date | None = None) -> pl.DataFrame:
    """The year's targets on the units of ``vintage`` (default: the one in force in December)."""
    geo = model.geo
    vintage = vintage or vintage_of(date(year, 12, 31))
    codes, targets, national = province_targets(model, year, vintage)
    post = vintage == REFORM_VINTAGE
    rows: dict[str, list] = {"unit_level": [], "unit_code": [], "indicator": [], "target_pct": []}

    def add(level: str, unit_codes: list[str], indicator: str, values) -> None:
        rows["unit_level"] += [level] * len(unit_codes)
        rows["unit_code"] += list(unit_codes)
        rows["indicator"] += [indicator] * len(unit_codes)
        rows["target_pct"] += [round(float(v), 2) for v in values]

    for indicator in INDICATORS:
        add("nation", [NATION_CODE], indicator, [national[indicator]])
    for indicator in INDICATORS:
        add("province", codes, indicator, targets[indicator])
    # Communes: the province target, scaled by the square root of the commune's coverage multiplier for
    # BHXH (communes ahead get more) and moved by 4 points per unit of household multiplier for BHYT.
    standing = _rates_in_vintage(model, vintage, year - 1)
    if post:
        bb, tn, gd = geo.new_multiplier(geo.m_bb), geo.new_multiplier(geo.m_tn), geo.new_multiplier(geo.m_gd)
        commune_codes, province = geo.new_codes, geo.new_province
    else:
        bb, tn, gd, commune_codes, province = geo.m_bb, geo.m_tn, geo.m_gd, geo.codes, geo.province
    bb_share = standing["bhxh_bb"] / np.maximum(standing["bhxh"], 1e-9)
    multiplier = bb_share[province] * bb + (1 - bb_share[province]) * tn
    commune_bhxh = np.clip(targets["bhxh"][province] * np.sqrt(multiplier), COMMUNE_BHXH_FLOOR, 100.0)
    commune_bhyt = np.clip(targets["bhyt"][province] + 4 * (gd - 1), TARGET_FLOOR["bhyt"], 100.0)
    add("commune", commune_codes.tolist(), "bhxh", commune_bhxh)
    add("commune", commune_codes.tolist(), "bhyt", commune_bhyt)
    return (
        _frame(
            year,
            vintage,
            rows["unit_level"],
            rows["unit_code"],
            indicator=rows["indicator"],
            target_pct=rows["target_pct"],
        )
        .with_columns(due_date=pl.lit(date(year, 12, 31)), source=pl.lit(source))
        .select("year", "unit_level", "unit_code", "indicator", "target_pct", "due_date", "vintage", "source")
    )


# --------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------


def province_plans(model: Model, year: int) -> dict[str, np.ndarray]:
    """Planned new participants per pre-reform province: expected gross entries × PLAN_AMBITION."""
    plans = {}
    for key in ("bb", "tn", "bhtn", "bhyt"):
        before, after = model.december_counts(key, year - 1), model.december_counts(key, year)
        entries = np.maximum(after - before, 0) + MONTHLY_TURNOVER[key] * 12 * (before + after) / 2
        plans[key] = entries
    bhyt_before, bhyt_after = model.december_counts("bhyt", year - 1), model.december_counts("bhyt", year)
    households = HOUSEHOLD_SHARE * (bhyt_before + bhyt_after) / 2
    # growth in BHYT comes almost entirely from households (the other groups are covered already)
    plans["gd"] = np.maximum(bhyt_after - bhyt_before, 0) + GD_TURNOVER * 12 * households
    return {key: np.rint(value * PLAN_AMBITION).astype(np.int64) for key, value in plans.items()}


def plans_frame(model: Model, year: int, source: str, vintage: date | None = None) -> pl.DataFrame:
    """Province plans for every scheme on the units of ``vintage`` (default: in force in December);
    voluntary BHXH and household BHYT plans handed down to districts (before the reform) and communes,
    apportioned by population × the commune's coverage multiplier, so that communes sum to their
    district and districts to their province."""
    geo = model.geo
    plans = province_plans(model, year)
    vintage = vintage or vintage_of(date(year, 12, 31))
    post = vintage == REFORM_VINTAGE
    frames = []
    for scheme, object_code, key in PLAN_SCHEMES:
        codes, values = _to_vintage(model, plans[key], vintage)
        frames.append(_plan_rows("province", codes, scheme, object_code, values))
        if key not in LOCAL_PLANS:
            continue
        multiplier = geo.m_tn if key == "tn" else geo.m_gd
        if post:
            weight = geo.new_weight() * geo.new_multiplier(multiplier)
            commune = apportion(values, weight, geo.new_province)
            frames.append(_plan_rows("commune", geo.new_codes.tolist(), scheme, object_code, commune))
        else:
            commune = apportion(values, geo.weight * multiplier, geo.province)
            district = np.bincount(geo.district, commune, minlength=len(geo.districts))
            frames.append(_plan_rows("district", geo.districts.tolist(), scheme, object_code, district))
            frames.append(_plan_rows("commune", geo.codes.tolist(), scheme, object_code, commune))
    result = pl.concat(frames)
    return (
        _frame(year, vintage, result["unit_level"].to_list(), result["unit_code"].to_list())
        .with_columns(
            scheme=result["scheme"],
            bhyt_object_code=result["bhyt_object_code"],
            planned_new=result["planned_new"],
            source=pl.lit(source),
        )
        .select(
            "year",
            "unit_level",
            "unit_code",
            "scheme",
            "bhyt_object_code",
            "planned_new",
            "vintage",
            "source",
        )
    )


def _plan_rows(level: str, codes: list[str], scheme: str, object_code: str | None, values) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit_level": [level] * len(codes),
            "unit_code": list(codes),
            "scheme": [scheme] * len(codes),
            "bhyt_object_code": [object_code] * len(codes),
            "planned_new": np.asarray(values, dtype=np.int64),
        },
        schema_overrides={"bhyt_object_code": pl.String, "unit_code": pl.String},
    )
