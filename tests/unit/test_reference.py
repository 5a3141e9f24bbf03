"""Administrative units across vintages and the crosswalk between them."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline import reference
from pipeline.raw_io import RawFileError
from pipeline.settings import PRE_REFORM_VINTAGE, REFORM_VINTAGE
from pipeline.warehouse import run_sql

NO_FILES = Path("/nonexistent/raw/reference")


@pytest.fixture(scope="module")
def units() -> pl.DataFrame:
    return reference.build_admin_units(reference.all_vintages(NO_FILES))


@pytest.fixture(scope="module")
def crosswalk(units: pl.DataFrame) -> pl.DataFrame:
    return reference.build_crosswalk(units, reference.adjacent_commune_links(units, NO_FILES))


def counts(units: pl.DataFrame, vintage: date) -> dict[str, int]:
    return dict(units.filter(pl.col("vintage") == vintage).group_by("level").len().iter_rows())


def test_both_2025_vintages_hold_the_published_unit_counts(units):
    assert counts(units, PRE_REFORM_VINTAGE) == {
        "nation": 1,
        "province": 63,
        "district": 696,
        "commune": 10035,
    }
    assert counts(units, REFORM_VINTAGE) == {"nation": 1, "province": 34, "commune": 3321}
    new_communes = units.filter((pl.col("vintage") == REFORM_VINTAGE) & (pl.col("level") == "commune"))
    kinds = new_communes["name"].str.extract(r"^(Xã|Phường|Đặc khu) ").value_counts()
    assert dict(kinds.iter_rows()) == {"Xã": 2621, "Phường": 687, "Đặc khu": 13}


def test_a_code_means_different_units_in_different_vintages(units):
    province_24 = units.filter(pl.col("code") == "24").sort("vintage")
    assert province_24.select("vintage", "name", "valid_to").rows() == [
        (PRE_REFORM_VINTAGE, "Tỉnh Bắc Giang", date(2025, 6, 30)),
        (REFORM_VINTAGE, "Tỉnh Bắc Ninh", None),
    ]


def test_every_unit_has_its_parent_and_province_in_its_own_vintage(units):
    keyed = units.select("vintage", "code", parent_level="level")
    joined = units.filter(pl.col("level") != "nation").join(
        keyed, left_on=["vintage", "parent_code"], right_on=["vintage", "code"], how="left"
    )
    assert joined["parent_level"].null_count() == 0
    pre_communes = joined.filter((pl.col("vintage") == PRE_REFORM_VINTAGE) & (pl.col("level") == "commune"))
    assert set(pre_communes["parent_level"]) == {"district"}
    assert (units["name"] == units["name"].str.normalize("NFC")).all()


def test_every_pre_reform_commune_maps_and_weights_sum_to_one(crosswalk, units):
    communes = crosswalk.filter(pl.col("from_level") == "commune")
    assert communes["from_code"].n_unique() == 10035
    totals = crosswalk.group_by("from_vintage", "from_level", "from_code", "to_vintage").agg(
        pl.col("weight").sum()
    )
    assert (totals["weight"] - 1).abs().max() < 1e-9
    new_codes = set(units.filter(pl.col("vintage") == REFORM_VINTAGE)["code"])
    assert set(communes["to_code"]) <= new_codes


def test_split_communes_give_the_whole_weight_to_the_package_default_by_default(crosswalk):
    communes = crosswalk.filter(pl.col("from_level") == "commune")
    split = communes.filter(pl.col("is_partial"))
    assert split["from_code"].n_unique() == 471
    per_source = split.group_by("from_code").agg(
        targets=pl.len(), ones=(pl.col("weight") == 1).sum(), zeros=(pl.col("weight") == 0).sum()
    )
    assert (per_source["targets"] >= 2).all()
    assert (per_source["ones"] == 1).all() and (per_source["zeros"] == per_source["targets"] - 1).all()
    whole = communes.filter(~pl.col("is_partial"))
    assert whole["from_code"].is_unique().all() and (whole["weight"] == 1).all()


def test_provinces_merge_whole_52_into_23_as_the_package_says(crosswalk):
    provinces = crosswalk.filter(pl.col("from_level") == "province")
    assert provinces.height == 63 and not provinces["is_partial"].any() and (provinces["weight"] == 1).all()
    assert dict(provinces.select("from_code", "to_code").iter_rows()) == reference.package_province_merges()
    receivers = provinces.group_by("to_code").len().filter(pl.col("len") > 1)
    assert receivers.height == 23 and receivers["len"].sum() == 52
    districts = crosswalk.filter(pl.col("from_level") == "district")
    assert districts.height == 696 and not districts["is_partial"].any()


# ---------------------------------------------------------------------------------------------
# Further vintages and crosswalk files, as data (no code changes)
# ---------------------------------------------------------------------------------------------


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def invented_2026_vintage(reference_dir: Path, units: pl.DataFrame) -> dict[str, str]:
    """A small invented reorganisation on top of the 2025 map: commune B merges into A, commune C is
    split into C and a new commune 99999. Codes are written the way spreadsheets mangle them."""
    current = units.filter((pl.col("vintage") == REFORM_VINTAGE) & (pl.col("level") != "nation"))
    hanoi = current.filter((pl.col("level") == "commune") & (pl.col("province_code") == "01"))["code"].sort()
    a, b, c = hanoi[0], hanoi[1], hanoi[2]
    rows = [
        f"{level},{int(code)},{unicodedata.normalize('NFD', name)},{parent or ''}"
        for level, code, name, parent in current.select("level", "code", "name", "parent_code").iter_rows()
        if code != b
    ]
    rows.append("commune,99999,Phường Mới,1")
    write_csv(reference_dir / "admin_units_2026-04-30.csv", "Level,Code,Name,Parent_Code", rows)
    write_csv(
        reference_dir / "crosswalk_2025-07-01_2026-04-30.csv",
        "from_code,to_code,weight",
        [f"{b},{a},1", f"{c},{c},0.6", f"{c},99999,0.4"],
    )
    return {"a": a, "b": b, "c": c}


def test_a_further_vintage_loads_from_files_and_history_composes_onto_it(tmp_path: Path, units):
    reference_dir = tmp_path / "raw" / "reference"
    codes = invented_2026_vintage(reference_dir, units)
    vintages = reference.all_vintages(reference_dir)
    assert [v.effective for v in vintages] == [PRE_REFORM_VINTAGE, REFORM_VINTAGE, date(2026, 4, 30)]
    all_units = reference.build_admin_units(vintages)
    latest = date(2026, 4, 30)
    assert counts(all_units, latest) == {"nation": 1, "province": 34, "commune": 3321}
    assert all_units.filter(pl.col("vintage") == REFORM_VINTAGE)["valid_to"].unique().to_list() == [
        date(2026, 4, 29)
    ]
    new = all_units.filter((pl.col("vintage") == latest) & (pl.col("code") == "99999")).row(0, named=True)
    assert (new["name"], new["parent_code"], new["province_code"]) == ("Phường Mới", "01", "01")

    crosswalk = reference.build_crosswalk(
        all_units, reference.adjacent_commune_links(all_units, reference_dir)
    )
    pairs = crosswalk.select("from_vintage", "to_vintage").unique().sort("from_vintage", "to_vintage").rows()
    assert pairs == [
        (PRE_REFORM_VINTAGE, REFORM_VINTAGE),
        (PRE_REFORM_VINTAGE, latest),
        (REFORM_VINTAGE, latest),
    ]

    step = crosswalk.filter((pl.col("from_vintage") == REFORM_VINTAGE) & (pl.col("from_level") == "commune"))
    assert step.filter(pl.col("from_code") == codes["b"]).select(
        "to_code", "weight", "is_partial"
    ).rows() == [(codes["a"], 1.0, False)]
    assert step.filter(pl.col("from_code") == codes["c"]).select("to_code", "weight", "is_partial").sort(
        "to_code"
    ).rows() == [(codes["c"], 0.6, True), ("99999", 0.4, True)]
    untouched = step.filter(~pl.col("from_code").is_in([codes["b"], codes["c"]]))
    assert (untouched["from_code"] == untouched["to_code"]).all() and untouched.height == 3321 - 2

    # A pre-reform commune that went whole into C is now split 0.6/0.4 on the latest map.
    long_way = crosswalk.filter(
        (pl.col("from_vintage") == PRE_REFORM_VINTAGE) & (pl.col("to_vintage") == latest)
    )
    into_c = crosswalk.filter(
        (pl.col("from_vintage") == PRE_REFORM_VINTAGE)
        & (pl.col("to_vintage") == REFORM_VINTAGE)
        & (pl.col("to_code") == codes["c"])
        & ~pl.col("is_partial")
    )["from_code"][0]
    assert long_way.filter(pl.col("from_code") == into_c).select("to_code", "weight", "is_partial").sort(
        "to_code"
    ).rows() == [(codes["c"], 0.6, True), ("99999", 0.4, True)]
    totals = long_way.group_by("from_level", "from_code").agg(pl.col("weight").sum())
    assert (totals["weight"] - 1).abs().max() < 1e-9
    assert long_way.filter(pl.col("from_level") == "commune")["from_code"].n_unique() == 10035


def test_a_crosswalk_file_replaces_the_default_apportioning_of_a_split_commune(tmp_path: Path, crosswalk):
    split = crosswalk.filter((pl.col("from_level") == "commune") & pl.col("is_partial"))
    source = split["from_code"][0]
    targets = split.filter(pl.col("from_code") == source)["to_code"].sort().to_list()
    shares = [round(1 / len(targets), 6) for _ in targets]
    shares[-1] = round(1 - sum(shares[:-1]), 6)
    reference_dir = tmp_path / "reference"
    # The file may name the pre-reform vintage by any date inside it.
    write_csv(
        reference_dir / "crosswalk_2025-06-30_2025-07-01.csv",
        "from_code,to_code,weight",
        [f"{source},{target},{share}" for target, share in zip(targets, shares, strict=True)],
    )
    units = reference.build_admin_units(reference.all_vintages(reference_dir))
    replaced = reference.build_crosswalk(units, reference.adjacent_commune_links(units, reference_dir))
    links = replaced.filter((pl.col("from_level") == "commune") & (pl.col("from_code") == source)).sort(
        "to_code"
    )
    assert links["weight"].to_list() == pytest.approx(shares)
    assert links["is_partial"].all()
    assert replaced.height == crosswalk.height


@pytest.mark.parametrize(
    ("name", "header", "rows", "message"),
    [
        (
            "admin_units_2026-04-30.csv",
            "level,code,name,parent_code",
            ["province,01,Hà Nội,VN", "ward,00004,X,01"],
            r"admin_units_2026-04-30\.csv, row 2, column 'level': unknown level 'ward'",
        ),
        (
            "admin_units_2026-04-30.csv",
            "level,code,name,parent_code",
            ["province,01,Hà Nội,VN", "province,1,Y,VN"],
            r"row 2, column 'code': code '01' listed twice",
        ),
        (
            "admin_units_2026-04-30.csv",
            "level,code,name",
            ["province,01,Hà Nội"],
            r"column 'parent_code': required column missing",
        ),
        (
            "admin_units_2026-13-30.csv",
            "level,code,name,parent_code",
            ["province,01,Hà Nội,VN"],
            r"'2026-13-30' in the file name is not a valid date",
        ),
        (
            "admin_units_2025-07-01.csv",
            "level,code,name,parent_code",
            ["province,01,Hà Nội,VN"],
            r"vintage 2025-07-01 is already defined",
        ),
        (
            "crosswalk_2000-01-01_2025-07-01.csv",
            "from_code,to_code,weight",
            ["4,00004,2"],
            r"row 1, column 'weight': weight must be a number between 0 and 1",
        ),
        (
            "crosswalk_2000-01-01_2025-07-01.csv",
            "from_code,to_code,weight",
            ["4,77777,1"],
            r"row 1, column 'to_code': '77777' is not a commune of vintage 2025-07-01",
        ),
        (
            "crosswalk_1990-01-01_2025-07-01.csv",
            "from_code,to_code,weight",
            ["4,00004,1"],
            r"1990-01-01 is before the earliest supported vintage",
        ),
        ("units.xlsx", "whatever", [], r"units\.xlsx: unexpected file in raw/reference/"),
    ],
)
def test_bad_reference_files_fail_with_file_row_and_column(tmp_path: Path, name, header, rows, message):
    reference_dir = tmp_path / "reference"
    write_csv(reference_dir / name, header, rows)
    with pytest.raises(RawFileError, match=message):
        units = reference.build_admin_units(reference.all_vintages(reference_dir))
        reference.adjacent_commune_links(units, reference_dir)


# The reference tables have no key or CHECK constraint (a DuckLake table can have neither): blocking
# checks and a test guard what the constraints did.


def _reference_tables(connection: duckdb.DuckDBPyConnection) -> None:
    for ddl in ("reference/admin_units.sql", "reference/admin_crosswalk.sql"):
        run_sql(connection, ddl)
    connection.execute(
        "insert into ref.admin_units (vintage, level, code, name, source) values "
        "('2025-07-01', 'nation', 'VN', 'Việt Nam', 't'), ('2025-07-01', 'province', '01', 'Hà Nội', 't')"
    )
    connection.execute(
        "insert into ref.admin_crosswalk values "
        "('2000-01-01', 'province', '01', '2025-07-01', '01', 1.0, false, 't')"
    )


def test_the_reference_key_checks_pass_on_clean_tables_and_name_each_broken_key():
    connection = duckdb.connect()
    _reference_tables(connection)
    assert run_sql(connection, "checks/assert_admin_unit_keys.sql").fetchall() == []
    assert run_sql(connection, "checks/assert_crosswalk_keys.sql").fetchall() == []

    connection.execute(
        "insert into ref.admin_units (vintage, level, code, name, source) values "
        "('2025-07-01', 'province', '01', 'Hà Nội again', 't'), ('2025-07-01', 'hamlet', '0001', 'X', 't')"
    )
    connection.execute(
        "insert into ref.admin_crosswalk values "
        "('2000-01-01', 'province', '01', '2025-07-01', '01', 1.0, false, 't'), "
        "('2000-01-01', 'province', '02', '2025-07-01', '01', 1.5, false, 't')"
    )
    units = run_sql(connection, "checks/assert_admin_unit_keys.sql").fetchall()
    assert sorted((str(vintage), code, rows) for vintage, code, rows, _ in units) == [
        ("2025-07-01", "0001", 1),
        ("2025-07-01", "01", 2),
    ]
    links = run_sql(connection, "checks/assert_crosswalk_keys.sql").fetchall()
    assert sorted((from_code, rows, highest) for _, _, from_code, _, _, rows, _, highest in links) == [
        ("01", 2, 1.0),
        ("02", 1, 1.5),
    ]


def test_the_bhyt_object_codes_are_unique_and_in_the_five_groups():
    rows = run_sql(duckdb.connect(), "reference/bhyt_object_code_rows.sql").fetchall()
    codes = [code for code, _, _ in rows]
    assert len(codes) == len(set(codes)) > 40
    assert {group for _, group, _ in rows} == {1, 2, 3, 4, 5}
