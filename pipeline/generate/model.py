"""The calibrated model every output is drawn from: denominators per year and the participant counts they
imply, per pre-reform province, at the requested scale."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipeline.generate.calibration import (
    HIGHLAND,
    KHMER,
    MIDLAND,
    ProvinceRates,
    ProvinceStatistics,
    province_rates,
    province_statistics,
)
from pipeline.generate.geography import RURAL, Denominators, Geography, denominators, load_geography
from pipeline.generate.options import REFORM_MONTH
from pipeline.generate.people import ProvinceProfile

# Share of people in poor (HN), near-poor (CN) and ethnic-minority-in-disadvantaged-area (DT) households,
# by province profile, before the commune spread: stylised on the multidimensional poverty rates (≈4%
# poor, ≈3% near-poor nationally in 2022, up to a third in the northern highlands).
HOUSEHOLD_PROFILE = {
    "highland": (0.12, 0.06, 0.40),
    "midland": (0.05, 0.04, 0.15),
    "khmer": (0.05, 0.04, 0.15),
    "other": (0.02, 0.02, 0.01),
}
# Residents of extremely disadvantaged communes (DK): the poorest rural communes (poverty multiplier above
# DK_THRESHOLD) — in the highland, midland and Khmer provinces half their people, elsewhere a fifth.
DK_THRESHOLD = 1.5
DK_SHARE = {"highland": 0.5, "midland": 0.5, "khmer": 0.5, "other": 0.2}
SCHEME_RATES = {"bb": "bhxh_bb", "tn": "bhxh_tn", "bhtn": "bhtn", "bhyt": "bhyt"}


def profile_of(code: str) -> str:
    if code in HIGHLAND:
        return "highland"
    if code in MIDLAND:
        return "midland"
    return "khmer" if code in KHMER else "other"


@dataclass
class Model:
    scale: float
    seed: int
    stats: ProvinceStatistics = field(default_factory=province_statistics)
    rates: ProvinceRates = field(default_factory=province_rates)
    geo: Geography = field(init=False)
    _population: dict[tuple[int, bool], Denominators] = field(default_factory=dict)
    _labour: dict[tuple[int, bool], Denominators] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.geo = load_geography(self.stats, self.seed)

    def population(self, year: int, post_reform: bool | None = None) -> Denominators:
        """The average population, on the units of ``year``'s December unless ``post_reform`` says."""
        key = (year, _post_reform(year, post_reform))
        if key not in self._population:
            real = self.stats.population[:, self.stats.year_index(year)]
            self._population[key] = denominators(self.geo, real, self.scale, year, key[1])
        return self._population[key]

    def labour_force(self, year: int, post_reform: bool | None = None) -> Denominators:
        """The working-age labour force (the BHXH/BHTN denominator), on the units of ``year``'s
        December unless ``post_reform`` says."""
        key = (year, _post_reform(year, post_reform))
        if key not in self._labour:
            real = self.stats.working_age_lf[:, self.stats.year_index(year)]
            self._labour[key] = denominators(self.geo, real, self.scale, year, key[1])
        return self._labour[key]

    def rate(self, scheme: str, year: int) -> np.ndarray:
        return getattr(self.rates, SCHEME_RATES.get(scheme, scheme))[:, self.stats.year_index(year)]

    def december_counts(self, scheme: str, year: int) -> np.ndarray:
        """Participants per pre-reform province in December of ``year`` (float: rate × scaled denominator)."""
        denominator = self.population(year) if scheme == "bhyt" else self.labour_force(year)
        return self.rate(scheme, year) / 100 * denominator.old_province

    def monthly_counts(self, scheme: str, months: np.ndarray) -> np.ndarray:
        """[province, month] calibrated active participants: straight lines between Decembers."""
        years = months // 12
        previous = np.stack([self.december_counts(scheme, y - 1) for y in years], axis=1)
        current = np.stack([self.december_counts(scheme, y) for y in years], axis=1)
        return np.rint(previous + (current - previous) * ((months % 12 + 1) / 12)).astype(np.int64)

    def profiles(self, months: np.ndarray) -> list[ProvinceProfile]:
        geo = self.geo
        first_year = int(months[0]) // 12
        counts = {scheme: self.monthly_counts(scheme, months) for scheme in SCHEME_RATES}
        population = self.population(first_year).old_province
        link_start = np.searchsorted(geo.link_from, np.arange(len(geo.codes)))
        link_count = np.bincount(geo.link_from, minlength=len(geo.codes))
        cumulative = np.cumsum(geo.link_fraction)
        group_start = cumulative[link_start] - geo.link_fraction[link_start]
        link_cumulative = cumulative - np.repeat(group_start, link_count)
        result = []
        for p, code in enumerate(geo.provinces):
            communes = geo.province_communes(p)
            poor, near, minority = HOUSEHOLD_PROFILE[profile_of(code)]
            spread = geo.poverty[communes]
            poor_p = np.minimum(0.8, poor * spread)
            result.append(
                ProvinceProfile(
                    index=p,
                    code=code,
                    commune_codes=geo.codes[communes],
                    weight=geo.weight[communes] / geo.weight[communes].sum(),
                    m_bb=geo.m_bb[communes],
                    m_tn=geo.m_tn[communes],
                    m_gd=geo.m_gd[communes],
                    poor=poor_p,
                    near_poor=np.minimum(0.9 - poor_p, near * spread),
                    minority=np.minimum(0.95, minority * spread),
                    disadvantaged=np.where(
                        (spread > DK_THRESHOLD) & (geo.kind[communes] == RURAL),
                        DK_SHARE[profile_of(code)],
                        0.0,
                    ),
                    pension_share=0.08 + 0.4 * float(self.rate("bhxh", first_year)[p]) / 100,
                    link_start=link_start[communes],
                    link_count=link_count[communes],
                    link_to=geo.link_to,
                    link_cumulative=link_cumulative,
                    population=int(population[p]),
                    months=months,
                    targets={scheme: counts[scheme][p] for scheme in SCHEME_RATES},
                )
            )
        return result


def _post_reform(year: int, post_reform: bool | None) -> bool:
    """The units a year's figures are on: those in force in its December unless said otherwise."""
    return year * 12 + 11 >= REFORM_MONTH if post_reform is None else post_reform
