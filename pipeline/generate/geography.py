"""The real units of both 2025 vintages, the synthetic commune profile, and denominators per year.

Units and the old->new links come from the foundation (``pipeline.reference``); nothing is re-derived
here. What is synthetic is the commune profile, drawn once per seed:
- a population weight per pre-reform commune (log-normal, wards and towns larger than rural communes);
- coverage multipliers around the province (compulsory and voluntary BHXH, household BHYT, poverty),
  normalised so that the province's person-weighted mean is exactly 1;
- how the people of a split commune spread over the communes that received parts of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipeline import reference
from pipeline.generate.calibration import ProvinceStatistics
from pipeline.generate.randomness import rng
from pipeline.settings import PRE_REFORM_VINTAGE, REFORM_VINTAGE

RURAL, WARD, TOWN, SPECIAL = 0, 1, 2, 3  # xã, phường, thị trấn, đặc khu
_KIND_PREFIX = {"Xã": RURAL, "Phường": WARD, "Thị trấn": TOWN, "Đặc khu": SPECIAL}

# Population weight of a commune by kind (relative to a rural commune) and the spread around it. GSO's
# 2019 census puts urban wards at roughly twice a rural commune's population; towns in between.
POPULATION_KIND_FACTOR = np.array([1.0, 1.8, 1.3, 1.0])
POPULATION_SIGMA = 0.55
# Coverage multipliers: log-normal spread and the kind factor (wards have the factories and offices).
BB_SIGMA, BB_KIND = 0.6, np.array([1.0, 1.9, 1.3, 1.0])
TN_SIGMA, TN_KIND = 0.35, np.array([1.15, 0.7, 1.0, 1.0])
GD_SIGMA = 0.25
POVERTY_SIGMA, POVERTY_KIND = 0.8, np.array([1.2, 0.35, 0.8, 1.0])
# Half of a split commune's people follow the crosswalk's weights (its default receiving commune), the
# other half spread evenly over every receiving commune.
SPLIT_FOLLOWS_WEIGHT = 0.5


def _kind(names: pl.Series) -> np.ndarray:
    kinds = np.full(len(names), RURAL, dtype=np.int8)
    for prefix, kind in _KIND_PREFIX.items():
        kinds[names.str.starts_with(prefix + " ").to_numpy()] = kind
    return kinds


@dataclass(frozen=True)
class Geography:
    provinces: list[str]  # pre-reform province codes, sorted (the order of ProvinceStatistics)
    new_provinces: list[str]
    new_province_of: np.ndarray  # [old province] -> index into new_provinces
    districts: np.ndarray  # pre-reform district codes (those with communes), sorted
    # pre-reform communes, sorted by code
    codes: np.ndarray  # str
    province: np.ndarray  # index into provinces
    district: np.ndarray  # index into districts
    kind: np.ndarray
    weight: np.ndarray  # population weight, normalised to sum 1 per province
    m_bb: np.ndarray
    m_tn: np.ndarray
    m_gd: np.ndarray
    poverty: np.ndarray
    # post-reform communes, sorted by code
    new_codes: np.ndarray
    new_province: np.ndarray  # index into new_provinces
    new_kind: np.ndarray
    # old -> new commune links, sorted by old commune
    link_from: np.ndarray  # index into codes
    link_to: np.ndarray  # index into new_codes
    link_fraction: np.ndarray  # share of the old commune's people that live in the new one
    link_partial: np.ndarray  # bool: the old commune was split

    @property
    def all_codes(self) -> frozenset[str]:
        return frozenset(self.codes.tolist())

    def province_communes(self, province: int) -> np.ndarray:
        return np.flatnonzero(self.province == province)

    def new_weight(self) -> np.ndarray:
        """Expected population weight of each post-reform commune, in units of its old province's."""
        return np.bincount(
            self.link_to,
            self.weight[self.link_from] * self.link_fraction,
            minlength=len(self.new_codes),
        )

    def new_multiplier(self, values: np.ndarray) -> np.ndarray:
        """A person-weighted average of an old-commune profile over each new commune. A new commune
        that no old commune's people move to (the island special zones, đặc khu: no pre-reform commune
        links to them in the crosswalk) gets the province's mean, 1: it has no profile of its own, and 0
        would read as "no coverage at all" (a commune BHXH target of 0, a BHYT target 4 points down)."""
        mass = self.weight[self.link_from] * self.link_fraction
        total = np.bincount(self.link_to, mass * values[self.link_from], minlength=len(self.new_codes))
        people = np.bincount(self.link_to, mass, minlength=len(self.new_codes))
        return np.where(people > 0, total / np.where(people > 0, people, 1), 1.0)


def load_geography(stats: ProvinceStatistics, seed: int) -> Geography:
    nowhere = Path("/nonexistent")  # the package's two vintages only; later vintages are not generated
    units = reference.build_admin_units(reference.all_vintages(nowhere))
    crosswalk = reference.build_crosswalk(units, reference.adjacent_commune_links(units, nowhere))
    old = units.filter((pl.col("vintage") == PRE_REFORM_VINTAGE) & (pl.col("level") == "commune"))
    old = old.sort("code")  # GSO codes run province by province; searchsorted below needs code order
    new = units.filter((pl.col("vintage") == REFORM_VINTAGE) & (pl.col("level") == "commune")).sort("code")
    provinces = sorted(old["province_code"].unique().to_list())
    if provinces != stats.codes:
        raise RuntimeError("the reference package's provinces differ from the NSO reference files")
    new_provinces = sorted(new["province_code"].unique().to_list())
    merges = crosswalk.filter(
        (pl.col("from_level") == "province")
        & (pl.col("from_vintage") == PRE_REFORM_VINTAGE)
        & (pl.col("to_vintage") == REFORM_VINTAGE)
    )
    if merges["is_partial"].any() or merges.height != len(provinces):
        raise RuntimeError("expected every pre-reform province to move whole into one new province")
    merged_into = dict(merges.select("from_code", "to_code").iter_rows())
    districts = np.array(sorted(old["parent_code"].unique().to_list()))

    codes = old["code"].to_numpy().astype(str)
    province = np.searchsorted(np.array(provinces), old["province_code"].to_numpy().astype(str))
    new_codes = new["code"].to_numpy().astype(str)
    links = crosswalk.filter(
        (pl.col("from_level") == "commune")
        & (pl.col("from_vintage") == PRE_REFORM_VINTAGE)
        & (pl.col("to_vintage") == REFORM_VINTAGE)
    ).sort("from_code", "to_code")
    link_from = np.searchsorted(codes, links["from_code"].to_numpy().astype(str))
    link_to = np.searchsorted(new_codes, links["to_code"].to_numpy().astype(str))
    if not (
        np.array_equal(codes[link_from], links["from_code"].to_numpy().astype(str))
        and np.array_equal(new_codes[link_to], links["to_code"].to_numpy().astype(str))
    ):
        raise RuntimeError("the crosswalk names communes missing from the unit lists")
    weight = links["weight"].to_numpy()
    n_targets = np.bincount(link_from, minlength=len(codes))[link_from]
    weight_sum = np.bincount(link_from, weight, minlength=len(codes))[link_from]
    fraction = (
        SPLIT_FOLLOWS_WEIGHT * weight / np.where(weight_sum > 0, weight_sum, 1)
        + (1 - SPLIT_FOLLOWS_WEIGHT) / n_targets
    )
    fraction = np.where(n_targets == 1, 1.0, fraction)

    kind = _kind(old["name"])
    generator = rng(seed, "communes")
    n = len(codes)
    population = generator.lognormal(0, POPULATION_SIGMA, n) * POPULATION_KIND_FACTOR[kind]
    weight_norm = population / np.bincount(province, population)[province]
    profile = {
        "m_bb": generator.lognormal(0, BB_SIGMA, n) * BB_KIND[kind],
        "m_tn": generator.lognormal(0, TN_SIGMA, n) * TN_KIND[kind],
        "m_gd": generator.lognormal(0, GD_SIGMA, n),
        "poverty": generator.lognormal(0, POVERTY_SIGMA, n) * POVERTY_KIND[kind],
    }
    for key, values in profile.items():
        # person-weighted mean 1 in every province, so province rates are untouched by the profile
        mean = np.bincount(province, weight_norm * values) / np.bincount(province, weight_norm)
        profile[key] = values / mean[province]
    return Geography(
        provinces=provinces,
        new_provinces=new_provinces,
        new_province_of=np.searchsorted(np.array(new_provinces), [merged_into[p] for p in provinces]),
        districts=districts,
        codes=codes,
        province=province,
        district=np.searchsorted(districts, old["parent_code"].to_numpy().astype(str)),
        kind=kind,
        weight=weight_norm,
        new_codes=new_codes,
        new_province=np.searchsorted(np.array(new_provinces), new["province_code"].to_numpy().astype(str)),
        new_kind=_kind(new["name"]),
        link_from=link_from,
        link_to=link_to,
        link_fraction=fraction,
        link_partial=links["is_partial"].to_numpy(),
        **profile,
    )


def apportion(totals: np.ndarray, weights: np.ndarray, group: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split each group's integer total over its members by weight (largest remainder), every member
    getting at least ``minimum``; the members of a group always sum exactly to its total."""
    totals = np.asarray(totals, dtype=np.int64)
    counts = np.bincount(group, minlength=len(totals))
    rest = totals - minimum * counts
    if (rest < 0).any():
        raise ValueError("a total is smaller than its members' minimum")
    weight_sum = np.bincount(group, weights, minlength=len(totals))
    share = np.where(
        weight_sum[group] > 0, weights / np.where(weight_sum[group] > 0, weight_sum[group], 1), 0
    )
    share = np.where(weight_sum[group] > 0, share, 1 / np.maximum(counts[group], 1))
    quota = rest[group] * share
    base = np.floor(quota).astype(np.int64)
    left = rest - np.bincount(group, base, minlength=len(totals))
    order = np.lexsort((np.arange(len(quota)), -(quota - base), group))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(quota), dtype=np.int64)
    rank[order] = np.arange(len(quota)) - starts[group[order]]
    return base + (rank < left[group]) + minimum


@dataclass(frozen=True)
class Denominators:
    """One year's population or working-age labour force, scaled, at province and commune level of the
    vintage in force on 31 December of the year. Communes sum exactly to their province."""

    year: int
    post_reform: bool
    province_codes: list[str]
    province: np.ndarray  # int64
    commune_codes: np.ndarray
    commune: np.ndarray
    old_province: np.ndarray  # the 63 pre-reform provinces (what the simulation calibrates against)


def denominators(
    geo: Geography, real: np.ndarray, scale: float, year: int, post_reform: bool
) -> Denominators:
    """``real``: the year's figure per pre-reform province (population or working-age labour force).

    On the post-reform units when ``post_reform``, else on the pre-reform ones (the reform year is
    written on both: Model.population). Every commune gets at least one person so that rates are
    defined at any scale; the province figure is raised to its number of communes when the scale is
    too small for that (documented)."""
    old_counts = np.bincount(geo.province, minlength=len(geo.provinces))
    old_province = np.maximum(np.rint(real * scale).astype(np.int64), old_counts)
    if not post_reform:
        commune = apportion(old_province, geo.weight, geo.province, minimum=1)
        return Denominators(year, False, geo.provinces, old_province, geo.codes, commune, old_province)
    province = np.bincount(geo.new_province_of, old_province, minlength=len(geo.new_provinces)).astype(
        np.int64
    )
    new_counts = np.bincount(geo.new_province, minlength=len(geo.new_provinces))
    province = np.maximum(province, new_counts)  # never binds: old provinces already hold ≥1 per commune
    # a new commune's expected people: the weights of its old communes, each in persons of its province
    old_totals = old_province[geo.province[geo.link_from]]
    mass = np.bincount(
        geo.link_to, geo.weight[geo.link_from] * geo.link_fraction * old_totals, len(geo.new_codes)
    )
    commune = apportion(province, mass, geo.new_province, minimum=1)
    return Denominators(year, True, geo.new_provinces, province, geo.new_codes, commune, old_province)
