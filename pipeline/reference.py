"""Vietnam's administrative units across boundary vintages, and the crosswalk between them.

Sources:
- the ``vietnamadminunits`` package (MIT): its bundled SQLite and JSON data hold the pre-reform unit
  set (63 provinces, 696 districts, 10,035 communes), the set in force from 2025-07-01 (34 provinces,
  3,321 communes) and the old->new commune conversion. Only the data files are read; the package is
  not even imported, because its address path geocodes through a web service.
- ``raw/reference/admin_units_YYYY-MM-DD.csv`` (further vintages) and ``raw/reference/crosswalk_FROM_TO.csv``
  (commune links between two vintages, also used to replace the default apportioning of 2025 splits).

Apportioning rules (documented in docs/reference-data.md):
- a commune that went whole to one new commune links with weight 1, ``is_partial`` FALSE;
- a split commune links to every commune that received part of it, all ``is_partial`` TRUE; without a
  crosswalk file, the package's default target (``isDefaultNewWard``) gets weight 1 and the others 0;
  a crosswalk file's rows for that source replace its links entirely (population shares);
- between two file vintages, a commune not named in the crosswalk file and whose code exists in both
  vintages maps to itself (codes are kept across reorganisations);
- district and province links are derived from their communes' links, each commune counting equally;
  this is exact whenever the unit moved whole (every province and district in the 2025 reform);
- links between non-adjacent vintages are composed (weights multiply), so history can be re-expressed
  on the latest vintage directly.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from pipeline.raw_io import RawFileError, list_source_files, nfc, pad_code, read_contract_file
from pipeline.settings import LEVELS, NATION_CODE, NATION_NAME, PRE_REFORM_VINTAGE, REFORM_VINTAGE

UNIT_COLUMNS = ["level", "code", "name", "parent_code"]
UNITS_FILE = re.compile(r"^admin_units_(\d{4}-\d{2}-\d{2})\.csv$", re.IGNORECASE)
CROSSWALK_FILE = re.compile(r"^crosswalk_(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.csv$", re.IGNORECASE)
WEIGHT_TOLERANCE = 1e-6

UNITS_SCHEMA = {
    "vintage": pl.Date,
    "valid_to": pl.Date,
    "level": pl.String,
    "code": pl.String,
    "name": pl.String,
    "parent_code": pl.String,
    "province_code": pl.String,
    "source": pl.String,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
}
# Optional in a raw/reference/admin_units_*.csv file; the package has them for every unit of both vintages.
LOCATION_COLUMNS = ["latitude", "longitude"]
LINK_SCHEMA = {"from_code": pl.String, "to_code": pl.String, "weight": pl.Float64, "is_partial": pl.Boolean}
CROSSWALK_SCHEMA = {
    "from_vintage": pl.Date,
    "from_level": pl.String,
    "from_code": pl.String,
    "to_vintage": pl.Date,
    "to_code": pl.String,
    "weight": pl.Float64,
    "is_partial": pl.Boolean,
    "source": pl.String,
}


@dataclass(frozen=True)
class VintageUnits:
    """The complete unit list (without the nation) of one boundary vintage."""

    effective: date
    units: pl.DataFrame  # level, code, name, parent_code
    source: str


@dataclass(frozen=True)
class CommuneLinks:
    """Commune links between two adjacent vintages."""

    from_vintage: date
    to_vintage: date
    links: pl.DataFrame  # LINK_SCHEMA
    source: str


# --------------------------------------------------------------------------------------------
# The reference package
# --------------------------------------------------------------------------------------------

PACKAGE_SOURCE = "vietnamadminunits 1.0.4 (MIT)"


def _package_data_dir() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the vietnamadminunits package is not installed (see pyproject.toml)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _query(sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{_package_data_dir() / 'dataset.db'}?mode=ro", uri=True) as connection:
        return connection.execute(sql).fetchall()


def package_vintages() -> tuple[VintageUnits, VintageUnits]:
    """The pre-reform and the 2025-07-01 unit sets, as shipped by the package."""
    legacy = pl.DataFrame(
        _query(
            "select provinceCode, province, provinceLat, provinceLon, districtCode, district, districtLat, "
            "districtLon, wardCode, ward, wardLat, wardLon from admin_units_legacy"
        ),
        schema=[
            *("province_code", "province", "province_lat", "province_lon"),
            *("district_code", "district", "district_lat", "district_lon"),
            *("ward_code", "ward", "ward_lat", "ward_lon"),
        ],
        orient="row",
    )
    pre = pl.concat(
        [
            legacy.select(
                level=pl.lit("province"),
                code="province_code",
                name="province",
                parent_code=pl.lit(NATION_CODE),
                latitude="province_lat",
                longitude="province_lon",
            ).unique(),
            legacy.select(
                level=pl.lit("district"),
                code="district_code",
                name="district",
                parent_code="province_code",
                latitude="district_lat",
                longitude="district_lon",
            ).unique(),
            # Five island districts (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) had no communes.
            legacy.filter(pl.col("ward_code").is_not_null()).select(
                level=pl.lit("commune"),
                code="ward_code",
                name="ward",
                parent_code="district_code",
                latitude="ward_lat",
                longitude="ward_lon",
            ),
        ]
    )
    current = pl.DataFrame(
        _query(
            "select provinceCode, province, provinceLat, provinceLon, wardCode, ward, wardLat, wardLon "
            "from admin_units"
        ),
        schema=[
            "province_code",
            "province",
            "province_lat",
            "province_lon",
            "ward_code",
            "ward",
            "ward_lat",
            "ward_lon",
        ],
        orient="row",
    )
    post = pl.concat(
        [
            current.select(
                level=pl.lit("province"),
                code="province_code",
                name="province",
                parent_code=pl.lit(NATION_CODE),
                latitude="province_lat",
                longitude="province_lon",
            ).unique(),
            current.select(
                level=pl.lit("commune"),
                code="ward_code",
                name="ward",
                parent_code="province_code",
                latitude="ward_lat",
                longitude="ward_lon",
            ),
        ]
    )
    return (
        VintageUnits(PRE_REFORM_VINTAGE, _normalise_units(pre), PACKAGE_SOURCE),
        VintageUnits(REFORM_VINTAGE, _normalise_units(post), PACKAGE_SOURCE),
    )


def package_commune_links() -> CommuneLinks:
    """The package's old->new commune conversion, keyed by its name keys, resolved to GSO codes."""
    old_codes = dict(
        (f"{p}_{d}_{w}", code)
        for p, d, w, code in _query(
            "select provinceKey, districtKey, wardKey, wardCode "
            "from admin_units_legacy where wardCode is not null"
        )
    )
    new_codes = {
        (p, w): code for p, w, code in _query("select provinceKey, wardKey, wardCode from admin_units")
    }
    conversion = json.loads((_package_data_dir() / "converter_2025.json").read_text(encoding="utf-8"))
    rows: list[tuple[str, str, float, bool]] = []
    for new_province, wards in conversion["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, old_keys in wards.items():
            # Keys ending in "_" are the five island districts without communes: not commune links.
            rows += [
                (old_codes[key], new_codes[(new_province, new_ward)], 1.0, False)
                for key in old_keys
                if key in old_codes
            ]
    for new_province, sources in conversion["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in sources.items():
            rows += [
                (
                    old_codes[old_key],
                    new_codes[(new_province, target["newWardKey"])],
                    1.0 if target["isDefaultNewWard"] else 0.0,
                    True,
                )
                for target in targets
            ]
    links = pl.DataFrame(rows, schema=LINK_SCHEMA, orient="row").unique(["from_code", "to_code"])
    return CommuneLinks(
        PRE_REFORM_VINTAGE, REFORM_VINTAGE, links.sort("from_code", "to_code"), PACKAGE_SOURCE
    )


def package_province_merges() -> dict[str, str]:
    """Old province code -> new province code, from the package's province table (used to cross-check)."""
    old_codes = dict(_query("select distinct provinceKey, provinceCode from admin_units_legacy"))
    new_codes = dict(_query("select distinct provinceKey, provinceCode from admin_units"))
    conversion = json.loads((_package_data_dir() / "converter_2025.json").read_text(encoding="utf-8"))
    return {
        old_codes[old_key]: new_codes[new_key]
        for new_key, old_keys in conversion["DICT_PROVINCE"].items()
        for old_key in old_keys
    }


# --------------------------------------------------------------------------------------------
# Files under raw/reference/
# --------------------------------------------------------------------------------------------


def _file_date(path: Path, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RawFileError(path, f"'{text}' in the file name is not a valid date") from None


def reference_files(reference_dir: Path) -> tuple[list[Path], list[Path]]:
    """Unit-list files and crosswalk files of ``raw/reference/``; anything else there is an error."""
    listing = list_source_files(reference_dir)
    units = [p for p in listing.files if UNITS_FILE.match(p.name)]
    crosswalks = [p for p in listing.files if CROSSWALK_FILE.match(p.name)]
    stray = listing.unexpected + [p for p in listing.files if p not in units and p not in crosswalks]
    if stray:
        raise RawFileError(
            stray[0],
            "unexpected file in raw/reference/ (expected admin_units_YYYY-MM-DD.csv or "
            "crosswalk_YYYY-MM-DD_YYYY-MM-DD.csv)",
        )
    return units, crosswalks


def read_units_file(path: Path) -> VintageUnits:
    """One ``admin_units_YYYY-MM-DD.csv``: the complete unit list of the vintage in force from that date."""
    effective = _file_date(path, UNITS_FILE.match(path.name).group(1))
    frame = read_contract_file(path, required=UNIT_COLUMNS)
    frame = frame.with_columns(pl.col("level").str.strip_chars().str.to_lowercase())
    bad_level = frame.filter(~pl.col("level").is_in(LEVELS) | pl.col("level").is_null())
    if bad_level.height:
        row = bad_level.row(0, named=True)
        raise RawFileError(
            path,
            f"unknown level '{row['level']}' (expected one of {', '.join(LEVELS)})",
            row=row["source_row"],
            column="level",
        )
    for column in ("code", "name"):
        empty = frame.filter(pl.col(column).str.strip_chars().fill_null("") == "")
        if empty.height:
            raise RawFileError(path, "empty value", row=empty["source_row"][0], column=column)
    frame = frame.filter(pl.col("level") != "nation")
    for column in LOCATION_COLUMNS:
        frame = _location_column(path, frame, column)
    units = _normalise_units(frame.select(UNIT_COLUMNS + LOCATION_COLUMNS + ["source_row"]))
    duplicated = units.sort("source_row").filter(~pl.col("code").is_first_distinct())
    if duplicated.height:
        raise RawFileError(
            path,
            f"code '{duplicated['code'][0]}' listed twice",
            row=duplicated["source_row"][0],
            column="code",
        )
    return VintageUnits(effective, units.drop("source_row"), path.name)


def _location_column(path: Path, frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """``latitude``/``longitude`` as decimal degrees (the report's map); NULL when the file has none."""
    if column not in frame.columns:
        return frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(column))
    text = pl.col(column).str.strip_chars()
    parsed = frame.with_columns(text.cast(pl.Float64, strict=False).alias(column), _text=text)
    bad = parsed.filter(pl.col(column).is_null() & (pl.col("_text").fill_null("") != ""))
    if bad.height:
        raise RawFileError(
            path, f"not a number: '{bad['_text'][0]}'", row=bad["source_row"][0], column=column
        )
    return parsed.drop("_text")


def _normalise_units(frame: pl.DataFrame) -> pl.DataFrame:
    """Codes padded to their level's width, names in NFC; a province's parent is always the nation."""
    # A commune's parent is a district in a vintage that has districts, else a province.
    commune_parent = "district" if frame["level"].eq("district").any() else "province"
    parent_level = (
        pl.when(pl.col("level") == "district")
        .then(pl.lit("province"))
        .when(pl.col("level") == "province")
        .then(pl.lit("nation"))
        .otherwise(pl.lit(commune_parent))
    )
    return frame.with_columns(
        code=pad_code("code", pl.col("level")),
        name=nfc("name"),
        parent_code=pl.when(pl.col("level") == "province")
        .then(pl.lit(NATION_CODE))
        .otherwise(pad_code("parent_code", parent_level)),
    ).sort("level", "code")


def read_crosswalk_file(path: Path, vintages: list[date]) -> tuple[date, date, pl.DataFrame]:
    """One ``crosswalk_FROM_TO.csv``; each date resolves to the vintage in force on it."""
    match = CROSSWALK_FILE.match(path.name)
    from_vintage = vintage_in_force(_file_date(path, match.group(1)), vintages, path)
    to_vintage = vintage_in_force(_file_date(path, match.group(2)), vintages, path)
    position = vintages.index(from_vintage)
    if position + 1 >= len(vintages) or vintages[position + 1] != to_vintage:
        raise RawFileError(
            path,
            f"links vintage {from_vintage} to {to_vintage}, which are not adjacent vintages "
            f"(known vintages: {', '.join(map(str, vintages))})",
        )
    frame = read_contract_file(path, required=["from_code", "to_code", "weight"])
    frame = frame.with_columns(
        from_code=pad_code("from_code", "commune"),
        to_code=pad_code("to_code", "commune"),
        weight=pl.col("weight").str.strip_chars().cast(pl.Float64, strict=False),
    )
    bad_weight = frame.filter(pl.col("weight").is_null() | (pl.col("weight") < 0) | (pl.col("weight") > 1))
    if bad_weight.height:
        raise RawFileError(
            path, "weight must be a number between 0 and 1", row=bad_weight["source_row"][0], column="weight"
        )
    return from_vintage, to_vintage, frame


def vintage_in_force(day: date, vintages: list[date], path: Path | None = None) -> date:
    """The latest vintage whose effective date is on or before ``day``."""
    in_force = [v for v in vintages if v <= day]
    if not in_force:
        message = f"{day} is before the earliest supported vintage {vintages[0]}"
        if path is not None:
            raise RawFileError(path, message)
        raise ValueError(message)
    return in_force[-1]


# --------------------------------------------------------------------------------------------
# Assembling the two reference tables
# --------------------------------------------------------------------------------------------


def all_vintages(reference_dir: Path) -> list[VintageUnits]:
    """The package's two vintages plus any file vintages, in order. A file may not redefine 2025."""
    vintages = list(package_vintages())
    unit_files, _ = reference_files(reference_dir)
    for path in unit_files:
        vintage = read_units_file(path)
        if vintage.effective in {v.effective for v in vintages}:
            raise RawFileError(
                path, f"vintage {vintage.effective} is already defined by {vintages[0].source}"
            )
        vintages.append(vintage)
    return sorted(vintages, key=lambda v: v.effective)


def build_admin_units(vintages: list[VintageUnits]) -> pl.DataFrame:
    """``ref.admin_units``: every unit of every vintage plus the nation, with ``valid_to`` and province."""
    frames = []
    for position, vintage in enumerate(vintages):
        following = vintages[position + 1].effective if position + 1 < len(vintages) else None
        units = vintage.units
        province_of_parent = dict(
            units.filter(pl.col("level") == "district").select("code", "parent_code").iter_rows()
        )
        nation = pl.DataFrame(
            {"level": ["nation"], "code": [NATION_CODE], "name": [NATION_NAME], "parent_code": [None]},
            schema={c: pl.String for c in UNIT_COLUMNS},
        ).with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in LOCATION_COLUMNS)
        frames.append(
            pl.concat([nation, units.select(UNIT_COLUMNS + LOCATION_COLUMNS)]).with_columns(
                vintage=pl.lit(vintage.effective, dtype=pl.Date),
                valid_to=pl.lit(following - timedelta(days=1) if following else None, dtype=pl.Date),
                province_code=pl.when(pl.col("level") == "nation")
                .then(None)
                .when(pl.col("level") == "province")
                .then(pl.col("code"))
                .when(pl.col("level") == "district")
                .then(pl.col("parent_code"))
                .otherwise(pl.col("parent_code").replace(province_of_parent)),
                source=pl.lit(vintage.source),
            )
        )
    return pl.concat(frames).select(list(UNITS_SCHEMA)).cast(UNITS_SCHEMA)


def adjacent_commune_links(
    units: pl.DataFrame, reference_dir: Path, package_links: CommuneLinks | None = None
) -> list[CommuneLinks]:
    """Commune links for every pair of adjacent vintages, after applying crosswalk files."""
    vintages = sorted(units["vintage"].unique().to_list())
    _, crosswalk_paths = reference_files(reference_dir)
    overrides: dict[tuple[date, date], list[tuple[Path, pl.DataFrame]]] = {}
    for path in crosswalk_paths:
        from_vintage, to_vintage, frame = read_crosswalk_file(path, vintages)
        _check_codes_exist(path, frame, units, from_vintage, to_vintage)
        overrides.setdefault((from_vintage, to_vintage), []).append((path, frame))

    result = []
    for from_vintage, to_vintage in zip(vintages, vintages[1:], strict=False):
        if (from_vintage, to_vintage) == (PRE_REFORM_VINTAGE, REFORM_VINTAGE):
            base = (package_links or package_commune_links()).links
            source = PACKAGE_SOURCE
        else:
            base = _identity_links(units, from_vintage, to_vintage)
            source = "unchanged code"
        for path, frame in overrides.get((from_vintage, to_vintage), []):
            replaced = frame.with_columns(
                is_partial=pl.col("from_code").count().over("from_code") > 1
            ).select(list(LINK_SCHEMA))
            base = pl.concat(
                [base.filter(~pl.col("from_code").is_in(replaced["from_code"].implode())), replaced]
            )
            source = f"{source}; {path.name}"
        result.append(CommuneLinks(from_vintage, to_vintage, base.cast(LINK_SCHEMA), source))
    return result


def _check_codes_exist(
    path: Path, frame: pl.DataFrame, units: pl.DataFrame, from_v: date, to_v: date
) -> None:
    for column, vintage in (("from_code", from_v), ("to_code", to_v)):
        known = units.filter((pl.col("vintage") == vintage) & (pl.col("level") == "commune"))["code"]
        unknown = frame.filter(~pl.col(column).is_in(known.implode()))
        if unknown.height:
            raise RawFileError(
                path,
                f"'{unknown[column][0]}' is not a commune of vintage {vintage}",
                row=unknown["source_row"][0],
                column=column,
            )


def _identity_links(units: pl.DataFrame, from_vintage: date, to_vintage: date) -> pl.DataFrame:
    communes = units.filter(pl.col("level") == "commune")
    kept = communes.filter(pl.col("vintage") == from_vintage).join(
        communes.filter(pl.col("vintage") == to_vintage), on="code", how="semi"
    )
    return kept.select(from_code="code", to_code="code", weight=pl.lit(1.0), is_partial=pl.lit(False))


def build_crosswalk(units: pl.DataFrame, adjacent: list[CommuneLinks]) -> pl.DataFrame:
    """``ref.admin_crosswalk``: from every vintage to every later one, at commune, district, province
    and nation level (districts map to provinces, as districts no longer exist after 2025)."""
    frames = []
    for start in range(len(adjacent)):
        composed = adjacent[start].links
        sources = [adjacent[start].source]
        for step in range(start, len(adjacent)):
            if step > start:
                composed = _compose(composed, adjacent[step].links)
                sources.append(adjacent[step].source)
            from_vintage, to_vintage = adjacent[start].from_vintage, adjacent[step].to_vintage
            frames.append(
                _all_levels(composed, units, from_vintage, to_vintage).with_columns(
                    from_vintage=pl.lit(from_vintage, dtype=pl.Date),
                    to_vintage=pl.lit(to_vintage, dtype=pl.Date),
                    source=pl.lit(" + ".join(dict.fromkeys(sources))),
                )
            )
    if not frames:
        return pl.DataFrame(schema=CROSSWALK_SCHEMA)
    return (
        pl.concat(frames, how="diagonal")
        .select(list(CROSSWALK_SCHEMA))
        .cast(CROSSWALK_SCHEMA)
        .sort("from_vintage", "to_vintage", "from_level", "from_code", "to_code")
    )


def _compose(first: pl.DataFrame, second: pl.DataFrame) -> pl.DataFrame:
    joined = first.join(second, left_on="to_code", right_on="from_code", how="inner", suffix="_next")
    return (
        joined.group_by("from_code", "to_code_next")
        .agg(
            weight=(pl.col("weight") * pl.col("weight_next")).sum(),
            any_partial=(pl.col("is_partial") | pl.col("is_partial_next")).any(),
        )
        .rename({"to_code_next": "to_code"})
        .with_columns(is_partial=pl.col("any_partial") | (pl.col("to_code").count().over("from_code") > 1))
        .select(list(LINK_SCHEMA))
    )


def _all_levels(
    communes: pl.DataFrame, units: pl.DataFrame, from_vintage: date, to_vintage: date
) -> pl.DataFrame:
    """Commune links plus district, province and nation links derived from them."""
    source_units = units.filter(pl.col("vintage") == from_vintage)
    target_units = units.filter(pl.col("vintage") == to_vintage)
    has_districts = source_units["level"].eq("district").any()
    from_commune = source_units.filter(pl.col("level") == "commune").select(
        from_code="code",
        from_district=pl.col("parent_code") if has_districts else pl.lit(None, dtype=pl.String),
        from_province="province_code",
    )
    to_commune = target_units.filter(pl.col("level") == "commune").select(
        to_code="code", to_province="province_code"
    )
    links = communes.join(from_commune, on="from_code").join(to_commune, on="to_code")
    derived = {}
    for level, column in (("district", "from_district"), ("province", "from_province")):
        if level == "district" and not has_districts:
            continue
        derived[level] = (
            links.with_columns(n_communes=pl.col("from_code").n_unique().over(column))
            .group_by(column, "to_province")
            # Sum, then divide: a unit that moved whole gets exactly n/n = 1.
            .agg(weight=pl.col("weight").sum() / pl.col("n_communes").first())
            .select(from_level=pl.lit(level), from_code=column, to_code="to_province", weight="weight")
            .with_columns(is_partial=pl.col("to_code").count().over("from_code") > 1)
        )
    if has_districts:
        # Districts without communes (island districts) follow their province.
        bare = source_units.filter(
            (pl.col("level") == "district")
            & ~pl.col("code").is_in(derived["district"]["from_code"].implode())
        )
        inherited = (
            bare.select("code", "parent_code")
            .join(derived["province"], left_on="parent_code", right_on="from_code")
            .select(
                from_level=pl.lit("district"),
                from_code="code",
                to_code="to_code",
                weight="weight",
                is_partial="is_partial",
            )
        )
        derived["district"] = pl.concat([derived["district"], inherited])
    nation = pl.DataFrame(
        {
            "from_level": ["nation"],
            "from_code": [NATION_CODE],
            "to_code": [NATION_CODE],
            "weight": [1.0],
            "is_partial": [False],
        }
    )
    return pl.concat(
        [communes.select(*LINK_SCHEMA, from_level=pl.lit("commune")), *derived.values(), nation],
        how="diagonal",
    )
