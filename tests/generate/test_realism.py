"""The data behaves like Vietnam's: national calibration, province pattern, coherent people, dynamics,
and the boundary reform of 1 July 2025."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline import reference
from pipeline.generate.calibration import national_series, province_rates, province_statistics
from pipeline.generate.people import CODES, EMPLOYER_CODES, retirement_age
from pipeline.generate.tables import PLAN_SCHEMES
from tests.generate.helpers import read_source

EMPLOYER = [CODES[i] for i in EMPLOYER_CODES]


def province_totals(raw: Path, source: str, column: str) -> dict[int, int]:
    """National totals per year; the reform year's two vintages hold the same total (counted once)."""
    frame = read_source(raw, source).filter(pl.col("unit_level") == "province")
    totals = frame.group_by("year", "vintage").agg(pl.col(column).cast(pl.Int64).sum())
    per_year = totals.group_by("year").agg(pl.col(column).unique())
    assert per_year[column].list.len().max() == 1, "vintages of one year disagree"
    return {int(y): int(v[0]) for y, v in per_year.iter_rows()}


def national_counts(raw: Path, rolls: pl.DataFrame) -> dict[int, dict[str, int]]:
    """December participants per scheme: aggregates before the rolls, active roll rows after."""
    counts: dict[int, dict[str, int]] = {}
    aggregates = read_source(raw, "aggregates")
    for as_of, scheme, n in (
        aggregates.group_by("as_of", "scheme").agg(pl.col("participants").cast(pl.Int64).sum()).iter_rows()
    ):
        counts.setdefault(int(as_of[:4]), {})[scheme] = n
    december = rolls.filter(pl.col("active") & (pl.col("snapshot").dt.month() == 12))
    for snapshot, scheme, n in december.group_by("snapshot", "scheme").len().iter_rows():
        counts.setdefault(snapshot.year, {})[scheme] = n
    return counts


def test_national_coverage_within_one_point_of_the_domain_series(clean_raw: Path, clean_rolls: pl.DataFrame):
    labour = province_totals(clean_raw, "labour_force", "labour_force")
    population = province_totals(clean_raw, "population", "population")
    counts = national_counts(clean_raw, clean_rolls)
    assert sorted(counts) == list(range(2018, 2026))  # 2018-2024 from aggregates, 2025 from the rolls
    for year, c in counts.items():
        expected = national_series()[year]
        generated = {
            "bhxh": (c["BHXH_BB"] + c["BHXH_TN"]) / labour[year] * 100,
            "bhxh_tn": c["BHXH_TN"] / labour[year] * 100,
            "bhtn": c["BHTN"] / labour[year] * 100,
            "bhyt": c["BHYT"] / population[year] * 100,
        }
        for indicator, rate in generated.items():
            assert abs(rate - getattr(expected, indicator)) <= 1.0, (year, indicator, rate)


def test_provinces_follow_nso(clean_raw: Path, clean_rolls: pl.DataFrame):
    """December 2024 aggregates: BHYT at NSO's province rates (+ the documented national shift, the real
    >100% cases kept); BHXH keeps NSO's province pattern."""
    stats, rates = province_statistics(), province_rates()
    j = stats.year_index(2024)
    aggregates = read_source(clean_raw, "aggregates").filter(pl.col("as_of") == "2024-12-31")
    population = read_source(clean_raw, "population").filter(
        (pl.col("year") == "2024") & (pl.col("unit_level") == "province")
    )
    labour = read_source(clean_raw, "labour_force").filter(
        (pl.col("year") == "2024") & (pl.col("unit_level") == "province")
    )
    by_code = (
        aggregates.pivot(on="scheme", index="unit_code", values="participants")
        .join(population.select("unit_code", "population"), on="unit_code")
        .join(labour.select("unit_code", "labour_force"), on="unit_code")
        .sort("unit_code")
    )
    assert by_code["unit_code"].to_list() == stats.codes
    number = {c: by_code[c].cast(pl.Float64).to_numpy() for c in by_code.columns if c != "unit_code"}
    bhyt = number["BHYT"] / number["population"] * 100
    assert np.abs(bhyt - rates.bhyt[:, j]).max() < 1.0  # rounding at this scale only
    assert np.abs(bhyt - (stats.health_pct[:, j] + rates.bhyt_shift[j])).max() < 1.2
    soc_trang = stats.codes.index("94")
    assert stats.health_pct[soc_trang, j] > 100 and bhyt[soc_trang] > 100  # shown, never clipped
    bhxh = (number["BHXH_BB"] + number["BHXH_TN"]) / number["labour_force"] * 100
    assert np.corrcoef(bhxh, stats.social_pct[:, j])[0, 1] > 0.99


def test_rates_do_not_depend_on_the_scale():
    from pipeline.generate.model import Model

    small, large = Model(scale=0.0005, seed=1), Model(scale=0.05, seed=1)
    for scheme, den in (("bb", "labour_force"), ("bhyt", "population")):
        for model_a, model_b in ((small, large),):
            rate_a = model_a.december_counts(scheme, 2023).sum() / getattr(model_a, den)(2023).province.sum()
            rate_b = model_b.december_counts(scheme, 2023).sum() / getattr(model_b, den)(2023).province.sum()
            assert abs(rate_a - rate_b) < 0.003


def test_denominators_of_communes_sum_to_their_province(clean_raw: Path):
    units = reference.build_admin_units(reference.all_vintages(Path("/nonexistent")))
    # a commune code names one unit per vintage: the province lookup is per vintage
    for source in ("population", "labour_force"):
        frame = read_source(clean_raw, source).with_columns(pl.col(source).cast(pl.Int64))
        for (year, vintage), group in frame.group_by("year", "vintage"):
            lookup = units.filter(
                (pl.col("level") == "commune") & (pl.col("vintage").cast(pl.String) == vintage)
            )
            communes = group.filter(pl.col("unit_level") == "commune").join(
                lookup.select(unit_code="code", province="province_code"), on="unit_code"
            )
            sums = communes.group_by("province").agg(pl.col(source).sum())
            provinces = group.filter(pl.col("unit_level") == "province").select(
                province="unit_code", total=source
            )
            joined = provinces.join(sums, on="province", how="full")
            assert joined.height == provinces.height and (joined["total"] == joined[source]).all(), (
                source,
                year,
            )


def test_people_are_coherent(clean_rolls: pl.DataFrame):
    active = clean_rolls.filter("active")
    # BHXH and BHTN only at working age (statutory retirement age by year, on birth years)
    for year in (2025, 2026):
        social = active.filter(pl.col("scheme") != "BHYT", pl.col("snapshot").dt.year() == year)
        limit = np.where(social["sex"].to_numpy() == "M", *retirement_age(np.array([True, False]), year))
        assert (social["age"] >= 15).all() and (social["age"].to_numpy() <= limit).all()
    bhyt = active.filter(pl.col("scheme") == "BHYT")
    assert bhyt.filter(pl.col("bhyt_object_code") == "TE")["age"].max() <= 6  # under 6 (by birth year: ≤6)
    assert bhyt.filter(pl.col("age") <= 4)["bhyt_object_code"].unique().to_list() == ["TE"]
    pupils = bhyt.filter(pl.col("bhyt_object_code") == "HS")["age"]
    assert pupils.min() >= 6 and pupils.max() <= 18
    students = bhyt.filter(pl.col("bhyt_object_code") == "SV")["age"]
    assert students.min() >= 18 and students.max() <= 23
    assert bhyt.filter(pl.col("bhyt_object_code") == "HT")["age"].min() >= 50
    assert bhyt.filter(pl.col("bhyt_object_code") == "BT")["age"].min() >= 80
    # employer codes exactly for people in compulsory BHXH that month
    employed = active.filter(pl.col("scheme") == "BHXH_BB").select("snapshot", "person_id")
    employer_cards = bhyt.filter(pl.col("bhyt_object_code").is_in(EMPLOYER)).select("snapshot", "person_id")
    assert employer_cards.join(employed, on=["snapshot", "person_id"], how="anti").height == 0
    assert (
        employed.join(bhyt.select("snapshot", "person_id"), on=["snapshot", "person_id"], how="anti").height
        == 0
    )
    # BHTN mostly alongside compulsory BHXH
    bhtn = active.filter(pl.col("scheme") == "BHTN").select("snapshot", "person_id")
    share = bhtn.join(employed, on=["snapshot", "person_id"], how="semi").height / bhtn.height
    assert 0.95 <= share <= 1.0
    # nobody has both a compulsory and a voluntary record (active or not) in clean output
    bb = clean_rolls.filter(pl.col("scheme") == "BHXH_BB").select("snapshot", "person_id")
    tn = clean_rolls.filter(pl.col("scheme") == "BHXH_TN").select("snapshot", "person_id")
    assert bb.join(tn, on=["snapshot", "person_id"]).height == 0
    # a person is the same person in every row: sex and birth year never change
    assert clean_rolls.group_by("person_id").agg(
        pl.col("sex").n_unique(), pl.col("birth_year").n_unique()
    ).select(pl.col("sex").max(), pl.col("birth_year").max()).row(0) == (1, 1)


def test_object_codes_in_realistic_proportions(clean_rolls: pl.DataFrame):
    cards = clean_rolls.filter(
        pl.col("active") & (pl.col("scheme") == "BHYT") & (pl.col("snapshot").dt.month() == 12)
    )
    share = dict(cards["bhyt_object_code"].value_counts(normalize=True).iter_rows())
    employer = sum(share.get(c, 0) for c in EMPLOYER)
    assert 0.15 < employer < 0.25  # ≈ compulsory BHXH participants / BHYT participants
    assert 0.07 < share["TE"] < 0.12 and 0.13 < share["HS"] < 0.21
    assert 0.25 < share["GD"] < 0.45 and 0.02 < share["HT"] < 0.07
    assert 0.02 < share["HN"] + share["CN"] < 0.08 and share["DT"] > 0.02


def test_month_to_month_dynamics(clean_rolls: pl.DataFrame):
    """New participants, people who stop, people who come back, cards that lapse and are renewed."""
    rows = clean_rolls.select("snapshot", "person_id", "scheme", "active", "valid_from")
    previous = rows.with_columns(snapshot=pl.col("snapshot").dt.offset_by("1mo").dt.month_end())
    joined = rows.join(previous, on=["snapshot", "person_id", "scheme"], how="left", suffix="_before")
    joined = joined.filter(pl.col("snapshot") > rows["snapshot"].min())
    flows = joined.group_by("scheme").agg(
        active=pl.col("active").sum(),
        new=(pl.col("active") & pl.col("active_before").is_null()).sum(),
        back=(pl.col("active") & (pl.col("active_before") == False)).sum(),  # noqa: E712
        stopped=(~pl.col("active") & pl.col("active_before")).sum(),
        renewed=(
            pl.col("active") & pl.col("active_before") & (pl.col("valid_from") > pl.col("valid_from_before"))
        ).sum(),
    )
    by_scheme = {row["scheme"]: row for row in flows.iter_rows(named=True)}
    for scheme, row in by_scheme.items():
        assert row["new"] > 0 and row["back"] > 0 and row["stopped"] > 0, scheme
        monthly_churn = row["stopped"] / row["active"]
        assert 0.002 < monthly_churn < 0.05, (scheme, monthly_churn)
    # voluntary schemes churn most
    churn = {s: r["stopped"] / r["active"] for s, r in by_scheme.items()}
    assert churn["BHXH_TN"] > churn["BHXH_BB"]
    assert by_scheme["BHYT"]["renewed"] > 0
    lapsed = clean_rolls.filter((pl.col("scheme") == "BHYT") & ~pl.col("active"))
    assert lapsed.height > 0 and (lapsed["valid_to"] < lapsed["snapshot"]).all()


def test_vintage_switch_at_2025_07(clean_rolls: pl.DataFrame):
    units = reference.build_admin_units(reference.all_vintages(Path("/nonexistent")))
    crosswalk = reference.build_crosswalk(
        units, reference.adjacent_commune_links(units, Path("/nonexistent"))
    )
    communes = units.filter(pl.col("level") == "commune")
    old = set(communes.filter(pl.col("vintage").dt.year() == 2000)["code"])
    new = set(communes.filter(pl.col("vintage").dt.year() == 2025)["code"])
    for snapshot, codes in clean_rolls.group_by("snapshot").agg(pl.col("commune_code").unique()).iter_rows():
        assert set(codes) <= (new if snapshot.isoformat() >= "2025-07" else old), snapshot
    june = (
        clean_rolls.filter(pl.col("snapshot").dt.month() == 6)
        .select("person_id", from_code="commune_code")
        .unique()
    )
    july = clean_rolls.filter(pl.col("snapshot").dt.month() == 7, pl.col("snapshot").dt.year() == 2025)
    july = july.select("person_id", to_code="commune_code").unique()
    kept = june.join(july, on="person_id")
    assert kept.height > 0.9 * june.height  # the same people, with the same person_id, across the switch
    links = crosswalk.filter(pl.col("from_level") == "commune").select("from_code", "to_code", "is_partial")
    mapped = kept.join(links, on=["from_code", "to_code"], how="left")
    assert mapped["is_partial"].null_count() == 0  # every move follows a crosswalk link
    assert mapped["is_partial"].any() and not mapped["is_partial"].all()  # split communes spread their people


@pytest.mark.parametrize("year", [2019, 2024])
def test_targets_sit_around_the_national_path(clean_raw: Path, year: int):
    targets = (
        read_source(clean_raw, "targets")
        .filter(pl.col("year") == str(year))
        .with_columns(pl.col("target_pct").cast(pl.Float64))
    )
    provinces = targets.filter(pl.col("unit_level") == "province", pl.col("indicator") == "bhxh")
    national = targets.filter(pl.col("unit_level") == "nation", pl.col("indicator") == "bhxh")["target_pct"][
        0
    ]
    mountain = provinces.filter(pl.col("unit_code").is_in(["02", "04", "11", "12", "14"]))["target_pct"]
    assert mountain.max() < national < provinces["target_pct"].max()
    plans = (
        read_source(clean_raw, "plans")
        .filter(pl.col("year") == str(year))
        .with_columns(pl.col("planned_new").cast(pl.Int64))
    )
    for scheme, code in (("BHXH_TN", None), ("BHYT", "GD")):
        subset = plans.filter(pl.col("scheme") == scheme)
        subset = (
            subset.filter(pl.col("bhyt_object_code") == code)
            if code
            else subset.filter(pl.col("bhyt_object_code").is_null())
        )
        totals = dict(subset.group_by("unit_level").agg(pl.col("planned_new").sum()).iter_rows())
        assert totals["province"] == totals["commune"] == totals["district"] > 0


def test_every_target_is_plausible_including_the_island_special_zones(clean_raw: Path):
    """The targets' WARN bands (pipeline.quality.suites.TARGETS) hold for every generated target: BHXH targets
    other than voluntary are at least 1% (lower reads as a fraction), BHYT ones 80-100%. The island
    special zones (đặc khu), which no pre-reform commune's people move to, take their province's
    targets (they once got a BHXH target of 0.5%)."""
    targets = read_source(clean_raw, "targets").with_columns(pl.col("target_pct").cast(pl.Float64))
    assert targets.filter((pl.col("indicator") != "bhxh_tn") & (pl.col("target_pct") < 1)).is_empty()
    bhyt = targets.filter(pl.col("indicator") == "bhyt")["target_pct"]
    assert bhyt.min() >= 80 and bhyt.max() <= 100
    # The zones are units of the reform vintage (2025 is also written on the old units).
    targets = targets.filter(pl.col("vintage") == "2025-07-01")
    provinces = targets.filter(pl.col("unit_level") == "province").select(
        "year", province="unit_code", indicator="indicator", province_pct="target_pct"
    )
    islands = {"11948": "31", "26732": "79"}  # Bạch Long Vĩ (Hải Phòng), Côn Đảo (Hồ Chí Minh City)
    zones = (
        targets.filter(pl.col("unit_code").is_in(list(islands)), pl.col("unit_level") == "commune")
        .with_columns(province=pl.col("unit_code").replace_strict(islands))
        .join(provinces, on=["year", "province", "indicator"])
    )
    assert zones.height == 2 * 2 * 2  # two zones, BHXH and BHYT, 2025 and 2026
    assert (zones["target_pct"] == zones["province_pct"]).all()


def test_the_reform_year_on_the_old_units_matches_the_new(clean_raw: Path):
    """2025 on the old units (vintage 2000-01-01) is the same year as on the new ones, province by
    province: each old province's denominators and plans, summed onto the new province it merged into,
    give the new vintage's figures; the old districts and communes share out their province's plans
    exactly, as in a pre-reform year; a province the reform left whole keeps its targets."""
    nowhere = Path("/nonexistent")
    units = reference.build_admin_units(reference.all_vintages(nowhere))
    crosswalk = reference.build_crosswalk(units, reference.adjacent_commune_links(units, nowhere))
    merged_into = crosswalk.filter(
        pl.col("from_level") == "province", pl.col("from_vintage").cast(pl.String) == "2000-01-01"
    ).select(unit_code="from_code", new_code="to_code")

    def on_new_provinces(frame: pl.DataFrame, column: str, keys: list[str]) -> pl.DataFrame:
        old = frame.filter(pl.col("vintage") == "2000-01-01").join(merged_into, on="unit_code")
        summed = old.group_by("new_code", *keys).agg(pl.col(column).sum()).rename({"new_code": "unit_code"})
        new = frame.filter(pl.col("vintage") == "2025-07-01").select("unit_code", *keys, column)
        return summed.join(new, on=["unit_code", *keys], how="full", nulls_equal=True, suffix="_new")

    for source, column, keys in (
        ("population", "population", []),
        ("labour_force", "labour_force", []),
        ("plans", "planned_new", ["scheme", "bhyt_object_code"]),
    ):
        frame = read_source(clean_raw, source).filter(
            pl.col("year") == "2025", pl.col("unit_level") == "province"
        )
        frame = frame.with_columns(pl.col(column).cast(pl.Int64))
        joined = on_new_provinces(frame, column, keys)
        assert joined.height == 34 * (len(PLAN_SCHEMES) if keys else 1), source
        assert joined.select(pl.col(column, column + "_new").null_count()).row(0) == (0, 0), source
        assert (joined[column] == joined[column + "_new"]).all(), source

    plans = (
        read_source(clean_raw, "plans")
        .filter(pl.col("year") == "2025", pl.col("vintage") == "2000-01-01")
        .with_columns(pl.col("planned_new").cast(pl.Int64))
    )
    local = plans.filter(pl.col("unit_level") != "province")
    assert set(local["scheme"] + "/" + local["bhyt_object_code"].fill_null("")) == {"BHXH_TN/", "BHYT/GD"}
    for scheme, code in (("BHXH_TN", None), ("BHYT", "GD")):
        subset = plans.filter(
            pl.col("scheme") == scheme,
            pl.col("bhyt_object_code") == code if code else pl.col("bhyt_object_code").is_null(),
        )
        totals = dict(subset.group_by("unit_level").agg(pl.col("planned_new").sum()).iter_rows())
        assert totals["province"] == totals["district"] == totals["commune"] > 0

    targets = read_source(clean_raw, "targets").filter(
        pl.col("year") == "2025", pl.col("unit_level") == "province"
    )
    alone = merged_into.filter(pl.len().over("new_code") == 1)  # provinces the reform left whole
    assert "01" in alone["unit_code"] and alone.height == 11  # Hà Nội and ten others
    old = targets.filter(pl.col("vintage") == "2000-01-01").join(alone, on="unit_code")
    new = targets.filter(pl.col("vintage") == "2025-07-01").rename({"unit_code": "new_code"})
    kept = old.join(new, on=["new_code", "indicator"], suffix="_new")
    assert kept.height == 11 * 5 and (kept["target_pct"] == kept["target_pct_new"]).all()
