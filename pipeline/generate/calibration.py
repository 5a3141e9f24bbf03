"""The real figures the synthetic data is calibrated to, and the per-province rates derived from them.

Two sources, both public:
- NSO's province statistics 2019-2024 (``pipeline/reference_data/``): average population, labour force
  15+, and the social- and health-insurance coverage rates per pre-2025 province;
- the national series in the domain guide (VSS figures as published, 2018-2025), extended to 2030 along
  Resolution 28's path. Every rule is documented in ``docs/generator.md``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

# VSS's working-age labour force (men 15-61, women 15-56, rising) ÷ NSO's labour force aged 15+.
# VSS publishes participants and their rate, which imply the denominator it uses:
# 2023 18.26M / 39.25% = 46.5M, 2024 20.0M / 42.71% = 46.8M, 2025 21.53M / 45.1% = 47.7M, against
# NSO's 52.38M, 52.94M and 53.56M aged 15+: 0.888, 0.884, 0.891. We use 0.888 for every province and year.
WORKING_AGE_FACTOR = 0.888

FIRST_YEAR = 2017  # December 2017 anchors the monthly interpolation of 2018
LAST_YEAR = 2030
REAL_YEARS = range(2019, 2025)  # NSO province figures exist for these years


@dataclass(frozen=True)
class NationalPoint:
    """December coverage of one year: BHXH, voluntary BHXH and BHTN in % of the working-age labour
    force, BHYT in % of the average population."""

    bhxh: float
    bhxh_tn: float
    bhtn: float
    bhyt: float


def _national_series() -> dict[int, NationalPoint]:
    """The domain guide's national table, turned into rates (derivations in docs/generator.md)."""
    # Working-age labour force implied by WORKING_AGE_FACTOR and NSO's 15+ series, in millions.
    lf = {y: v * WORKING_AGE_FACTOR / 1e6 for y, v in national_figures("labour_force_15plus").items()}
    series = {
        # participants (millions) ÷ working-age labour force where the guide gives no rate
        2018: NationalPoint(14.19 / lf[2018] * 100, 0.25 / lf[2018] * 100, 12.13 / lf[2018] * 100, 87.6),
        2019: NationalPoint(15.19 / lf[2019] * 100, 0.55 / lf[2019] * 100, 13.34 / lf[2019] * 100, 90.0),
        2020: NationalPoint(32.7, 1.12 / lf[2020] * 100, float("nan"), 90.85),
        2021: NationalPoint(16.5 / lf[2021] * 100, 1.45 / lf[2021] * 100, 13.4 / lf[2021] * 100, 91.0),
        2022: NationalPoint(17.27 / lf[2022] * 100, float("nan"), float("nan"), 91.1),
        2023: NationalPoint(39.25, 1.83 / lf[2023] * 100, 31.6, 93.35),
        2024: NationalPoint(42.71, float("nan"), 34.18, 94.0),
        2025: NationalPoint(45.1, 6.5, 35.07, 95.2),
    }
    # Gaps in the guide: straight-line between the neighbouring years.
    for field in ("bhtn", "bhxh_tn"):
        for year in (2020, 2022, 2024):
            if np.isnan(getattr(series[year], field)):
                middle = (getattr(series[year - 1], field) + getattr(series[year + 1], field)) / 2
                series[year] = _replace(series[year], **{field: middle})
    # After 2025: Resolution 28-NQ/TW's 2030 milestones (BHXH 60%, BHTN 45%, voluntary 5% of the labour
    # force is already exceeded, so voluntary keeps growing half a point a year); BHYT creeps up to 97%.
    last = series[2025]
    for year in range(2026, LAST_YEAR + 1):
        share = (year - 2025) / 5
        series[year] = NationalPoint(
            bhxh=last.bhxh + (60 - last.bhxh) * share,
            bhxh_tn=last.bhxh_tn + 0.5 * (year - 2025),
            bhtn=last.bhtn + (45 - last.bhtn) * share,
            bhyt=min(97.0, last.bhyt + 0.4 * (year - 2025)),
        )
    # December 2017 only anchors the interpolation of 2018's months: 2018 scaled back by the 2018-2019
    # growth (geometric, so that small rates such as voluntary BHXH stay positive).
    first, second = series[2018], series[2019]
    series[2017] = NationalPoint(
        *(getattr(first, f) ** 2 / getattr(second, f) for f in ("bhxh", "bhxh_tn", "bhtn", "bhyt"))
    )
    return dict(sorted(series.items()))


def _replace(point: NationalPoint, **changes: float) -> NationalPoint:
    return NationalPoint(**{**point.__dict__, **changes})


# National targets: Resolution 28-NQ/TW (BHXH 35% of the working-age labour force by 2021, 45% by 2025,
# 60% by 2030, of which voluntary 1%, 2.5%, 5%; BHTN 28%, 35%, 45%) and, for BHYT, Decision 546/QĐ-TTg
# (92.60, 93.20, 94.10, 95.15% for 2022-2025). Years between milestones are interpolated; before 2021
# BHXH/BHTN run back linearly, BHYT before 2022 follows the ">90% by 2020" goal of Resolution 20-NQ/TW.
_TARGET_MILESTONES = {
    "bhxh": {2018: 29.0, 2021: 35.0, 2025: 45.0, 2030: 60.0},
    "bhxh_tn": {2018: 0.4, 2021: 1.0, 2025: 2.5, 2030: 5.0},
    "bhtn": {2018: 25.0, 2021: 28.0, 2025: 35.0, 2030: 45.0},
    "bhyt": {2018: 88.5, 2019: 89.5, 2020: 90.7, 2021: 91.5, 2022: 92.6, 2023: 93.2, 2024: 94.1, 2025: 95.15,
             2030: 97.0},
}  # fmt: skip


def national_targets() -> dict[str, dict[int, float]]:
    result: dict[str, dict[int, float]] = {}
    for indicator, milestones in _TARGET_MILESTONES.items():
        years = sorted(milestones)
        values = np.interp(range(2018, LAST_YEAR + 1), years, [milestones[y] for y in years])
        result[indicator] = {
            y: round(float(v), 2) for y, v in zip(range(2018, LAST_YEAR + 1), values, strict=True)
        }
    result["bhxh_bb"] = {y: round(result["bhxh"][y] - result["bhxh_tn"][y], 2) for y in result["bhxh"]}
    return result


# --------------------------------------------------------------------------------------------
# Reference files
# --------------------------------------------------------------------------------------------


def _rows(name: str) -> list[dict[str, str]]:
    with resources.files("pipeline").joinpath("reference_data", name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def national_figures(indicator: str) -> dict[int, float]:
    """NSO's WHOLE COUNTRY row: ``population`` or ``labour_force_15plus`` by year (2011-2025)."""
    return {
        int(r["year"]): float(r["value"]) for r in _rows("national_series.csv") if r["indicator"] == indicator
    }


@cache
def national_series() -> dict[int, NationalPoint]:
    return _national_series()


@dataclass(frozen=True)
class ProvinceStatistics:
    """NSO's figures for the 63 pre-2025 provinces, aligned on ``codes`` and ``years``."""

    codes: list[str]
    names: list[str]
    years: list[int]  # FIRST_YEAR..LAST_YEAR
    population: np.ndarray  # [province, year], persons; real for 2019-2024, projected otherwise
    labour_force_15: np.ndarray  # idem, labour force aged 15+
    social_pct: np.ndarray  # [province, year], NSO's rate; outside 2019-2024 the nearest real year's
    health_pct: np.ndarray
    real: np.ndarray  # [year] bool: the denominators are NSO's own figures

    def year_index(self, year: int) -> int:
        return year - self.years[0]

    @property
    def working_age_lf(self) -> np.ndarray:
        return self.labour_force_15 * WORKING_AGE_FACTOR


@cache
def province_statistics() -> ProvinceStatistics:
    population = {
        (r["province_code"], int(r["year"])): float(r["population"]) for r in _rows("province_population.csv")
    }
    labour = {
        (r["province_code"], int(r["year"])): float(r["labour_force"])
        for r in _rows("province_labour_force.csv")
    }
    coverage = {
        (r["province_code"], int(r["year"]), r["indicator"]): float(r["value_pct"])
        for r in _rows("province_insurance_coverage.csv")
    }
    names = {r["province_code"]: r["province_name"] for r in _rows("province_population.csv")}
    codes = sorted(names)
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))
    shape = (len(codes), len(years))
    result = {key: np.zeros(shape) for key in ("population", "labour_force_15", "social_pct", "health_pct")}
    for key, table, national_key in (
        ("population", population, "population"),
        ("labour_force_15", labour, "labour_force_15plus"),
    ):
        national = _extend(national_figures(national_key), years)
        for j, year in enumerate(years):
            if year in REAL_YEARS:
                result[key][:, j] = [table[(c, year)] for c in codes]
            else:
                # Projection: NSO's national figure (extended at its 2023-2025 growth after 2025) shared
                # out like the nearest real year.
                nearest = min(max(year, REAL_YEARS[0]), REAL_YEARS[-1])
                shares = np.array([table[(c, nearest)] for c in codes])
                result[key][:, j] = national[year] * shares / shares.sum()
    for key, indicator in (("social_pct", "social_insurance_pct"), ("health_pct", "health_insurance_pct")):
        for j, year in enumerate(years):
            nearest = min(max(year, REAL_YEARS[0]), REAL_YEARS[-1])
            result[key][:, j] = [coverage[(c, nearest, indicator)] for c in codes]
    return ProvinceStatistics(
        codes=codes,
        names=[names[c] for c in codes],
        years=years,
        real=np.array([y in REAL_YEARS for y in years]),
        **result,
    )


def _extend(figures: dict[int, float], years: list[int]) -> dict[int, float]:
    last = max(figures)
    growth = (figures[last] / figures[last - 2]) ** 0.5
    return {y: figures[y] if y in figures else figures[last] * growth ** (y - last) for y in years}


# --------------------------------------------------------------------------------------------
# Province rates
# --------------------------------------------------------------------------------------------

# The GSO regions that shape poverty, ethnic-minority and target profiles (pre-2025 codes).
HIGHLAND = frozenset(
    ["02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "20"]  # northern mountains
    + ["62", "64", "66", "67"]  # Central Highlands
)
MIDLAND = frozenset(["19", "24", "25", "68"])  # midland and upland provinces of the same regions
KHMER = frozenset(["84", "94"])  # Trà Vinh, Sóc Trăng: large Khmer minority


@dataclass(frozen=True)
class ProvinceRates:
    """December coverage per pre-2025 province and year, in %: the generator's calibration targets."""

    bhxh: np.ndarray  # [province, year] over the working-age labour force
    bhxh_tn: np.ndarray
    bhxh_bb: np.ndarray
    bhtn: np.ndarray
    bhyt: np.ndarray  # over population
    bhyt_shift: np.ndarray  # [year] the shift added to NSO's province rates (documented)
    bhxh_factor: np.ndarray  # [year] the factor applied to NSO's social-insurance rates


@cache
def province_rates() -> ProvinceRates:
    stats = province_statistics()
    series = national_series()
    lf = stats.working_age_lf
    pop = stats.population
    n_years = len(stats.years)
    bhxh, tn, bhyt = (np.zeros_like(pop) for _ in range(3))
    factors, shifts = np.zeros(n_years), np.zeros(n_years)
    for j, year in enumerate(stats.years):
        point = series[year]
        # BHXH: NSO's province pattern, scaled so that the national rate over the working-age labour
        # force is VSS's. NSO's rate is over the 15+ labour force, hence a factor ≈ 1/0.888 and more.
        nso_national = (stats.social_pct[:, j] * lf[:, j]).sum() / lf[:, j].sum()
        factors[j] = point.bhxh / nso_national
        bhxh[:, j] = stats.social_pct[:, j] * factors[j]
        tn[:, j] = _voluntary(bhxh[:, j], lf[:, j], point.bhxh_tn)
        # BHYT: NSO's province rates shifted by one amount per year so that the population-weighted
        # national rate is VSS's. Provinces already at or above 99% (incl. the real >100% cases) keep
        # their published value instead of being pushed further.
        shifts[j], bhyt[:, j] = _shift_health(stats.health_pct[:, j], pop[:, j], point.bhyt)
    bb = bhxh - tn
    # BHTN follows compulsory BHXH: the national BHTN/BB ratio of the year in every province.
    bb_national = (bb * lf).sum(axis=0) / lf.sum(axis=0)
    ratio = np.array([series[y].bhtn for y in stats.years]) / bb_national
    bhtn = np.minimum(bb * ratio, bb)
    return ProvinceRates(
        bhxh=bhxh, bhxh_tn=tn, bhxh_bb=bb, bhtn=bhtn, bhyt=bhyt, bhyt_shift=shifts, bhxh_factor=factors
    )


def _voluntary(bhxh: np.ndarray, lf: np.ndarray, national: float) -> np.ndarray:
    """Voluntary BHXH per province: proportional to the share of the labour force outside BHXH (the
    informal workers it is meant for), at most half of the province's BHXH; scaled to the national rate."""

    def rates(scale: float) -> np.ndarray:
        return np.minimum((100 - bhxh) * scale, bhxh * 0.5)

    low, high = 0.0, 10.0
    for _ in range(80):  # bisection: the national rate grows with the scale until every cap binds
        middle = (low + high) / 2
        if (rates(middle) * lf).sum() / lf.sum() < national:
            low = middle
        else:
            high = middle
    return rates((low + high) / 2)


def _shift_health(published: np.ndarray, pop: np.ndarray, national: float) -> tuple[float, np.ndarray]:
    def shifted(delta: float) -> np.ndarray:
        return np.minimum(published + delta, np.maximum(published, 99.0)) if delta > 0 else published + delta

    low, high = -20.0, 20.0
    for _ in range(80):  # bisection: the weighted mean is monotonic in the shift
        middle = (low + high) / 2
        if (shifted(middle) * pop).sum() / pop.sum() < national:
            low = middle
        else:
            high = middle
    return (low + high) / 2, shifted((low + high) / 2)
