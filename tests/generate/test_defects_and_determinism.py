"""Same seed, same bytes; and with --defects, the manifest says exactly what is wrong and where."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polars as pl
import pytest

from pipeline import reference
from pipeline.generate import GenerateOptions, generate
from pipeline.generate.defects import KINDS, VALID_OBJECT_CODES
from pipeline.settings import DataPaths
from tests.generate.helpers import file_hashes

TINY = GenerateOptions(scale=0.0002, from_month="2025-01", to_month="2025-07", rolls_from="2025-06", seed=7)
BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize("defects", [0.0, 0.01])
def test_same_seed_gives_identical_files(tmp_path: Path, defects: float):
    options = GenerateOptions(**{**TINY.__dict__, "defects": defects})
    first = generate(DataPaths(tmp_path / "a"), options, progress=False)
    second = generate(DataPaths(tmp_path / "b"), options, progress=False)
    assert first.files == second.files and first.rows == second.rows
    hashes = file_hashes(tmp_path / "a" / "raw")
    assert hashes == file_hashes(tmp_path / "b" / "raw")
    assert len(hashes) > 60
    other = generate(
        DataPaths(tmp_path / "c"), GenerateOptions(**{**options.__dict__, "seed": 8}), progress=False
    )
    assert other.files == first.files
    assert file_hashes(tmp_path / "c" / "raw") != hashes


def test_generation_replaces_its_own_output_only(tmp_path: Path):
    paths = DataPaths(tmp_path)
    (paths.raw / "reference").mkdir(parents=True)
    (paths.raw / "reference" / "keep.txt").write_text("not ours")
    (paths.raw / "rolls" / "1999-01").mkdir(parents=True)
    (paths.raw / "rolls" / "1999-01" / "old.csv").write_text("stale")
    generate(paths, GenerateOptions(**{**TINY.__dict__, "defects": 0.01}), progress=False)
    generate(paths, TINY, progress=False)
    assert (paths.raw / "reference" / "keep.txt").read_text() == "not ours"
    assert not (paths.raw / "rolls" / "1999-01").exists()
    assert not (paths.raw / "defects_manifest.csv").exists()  # clean output: no manifest, no faults
    assert all(p.suffix == ".parquet" for p in (paths.raw / "rolls").rglob("*.*"))
    assert not any(p.read_bytes().startswith(BOM) for p in paths.raw.rglob("*.csv"))


@pytest.fixture(scope="module")
def manifest(defects_raw: Path) -> pl.DataFrame:
    return pl.read_csv(
        defects_raw / "defects_manifest.csv", schema_overrides={"row": pl.Int64}, infer_schema=False
    )


@pytest.fixture(scope="module")
def vintages() -> dict:
    units = reference.build_admin_units(reference.all_vintages(Path("/nonexistent")))
    crosswalk = reference.build_crosswalk(
        units, reference.adjacent_commune_links(units, Path("/nonexistent"))
    )
    communes = units.filter(pl.col("level") == "commune")
    links = crosswalk.filter(pl.col("from_level") == "commune")
    return {
        "old": set(communes.filter(pl.col("vintage").dt.year() == 2000)["code"]),
        "new": set(communes.filter(pl.col("vintage").dt.year() == 2025)["code"]),
        "partial": set(links.filter("is_partial")["from_code"]),
    }


def read_text_rows(path: Path) -> tuple[bool, pl.DataFrame]:
    data = path.read_bytes()
    frame = pl.read_csv(data, infer_schema=False, encoding="utf8")
    frame = frame.rename({c: c.replace("\ufeff", "") for c in frame.columns})
    return data.startswith(BOM), frame


def test_every_kind_is_injected_and_listed(defects_raw: Path, manifest: pl.DataFrame):
    assert manifest.columns == ["file", "row", "kind", "column", "detail"]
    assert set(manifest["kind"]) == set(KINDS)
    assert all((defects_raw / f).is_file() for f in manifest["file"].unique())
    assert manifest.filter(pl.col("row").is_not_null()).select("file", "row").is_unique().all()  # one per row
    sources = {
        kind: set(group)
        for kind, group in manifest.with_columns(pl.col("file").str.split("/").list.first().alias("source"))
        .group_by("kind")
        .agg("source")
        .iter_rows()
    }
    assert sources["negative_count"] >= {"aggregates", "plans"}
    assert sources["zero_denominator"] >= {"population", "labour_force"}
    assert sources["target_above_100"] == {"targets"}
    assert sources["lost_leading_zeros"] >= {"rolls", "population", "targets"}
    assert "rolls" in sources["impossible_birth_year"] and "rolls" in sources["duplicate_row"]
    # everything is CSV in defects mode
    assert not list(defects_raw.rglob("*.parquet"))


def test_each_manifest_entry_is_really_that_fault(defects_raw: Path, manifest: pl.DataFrame, vintages: dict):
    known = vintages["old"] | vintages["new"]
    for (file,), entries in manifest.group_by("file"):
        has_bom, frame = read_text_rows(defects_raw / file)
        rows = frame.to_dicts()
        listed = {e["row"]: e for e in entries.iter_rows(named=True) if e["row"] is not None}
        assert has_bom == (entries["kind"] == "utf8_bom").any(), file
        for number, entry in listed.items():
            row, kind, column = rows[number - 1], entry["kind"], entry["column"]
            value = row.get(column) or ""
            if kind == "duplicate_row":
                original = int(entry["detail"])
                assert original < number and rows[original - 1] == row and original not in listed
            elif kind == "person_in_both_bhxh_bb_and_tn":
                partner = rows[int(entry["detail"]) - 1]
                assert row["scheme"] == "BHXH_TN" and partner["scheme"] == "BHXH_BB"
                assert partner["person_id"] == row["person_id"] and int(entry["detail"]) not in listed
            elif kind == "unknown_commune_code":
                assert re.fullmatch(r"[1-9]\d{4}", value) and value not in known
            elif kind == "pre_reform_code_in_post_reform_month":
                assert file >= "rolls/2025-07" and value in vintages["old"] and value not in vintages["new"]
                assert entry["detail"] == ("partial" if value in vintages["partial"] else "whole")
            elif kind == "lost_leading_zeros":
                width = 5 if column == "commune_code" or row.get("unit_level") == "commune" else 2
                assert len(value) < width and value.zfill(width) in known | {f"{i:02d}" for i in range(100)}
            elif kind == "nfd_text":
                assert (
                    value != unicodedata.normalize("NFC", value)
                    and unicodedata.normalize("NFC", value) == "Nữ"
                )
            elif kind == "ddmmyyyy_date":
                assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", value)
            elif kind == "missing_bhyt_object_code":
                assert row["scheme"] == "BHYT" and not row["bhyt_object_code"] and not row["bhyt_card_no"]
            elif kind == "invalid_bhyt_object_code":
                assert row["scheme"] == "BHYT" and value and value not in VALID_OBJECT_CODES
            elif kind == "impossible_birth_year":
                assert int(value) < 1900 or int(value) > int(file[6:10])
            elif kind == "negative_count":
                assert int(value) < 0
            elif kind == "target_above_100":
                assert float(value) > 100
            elif kind == "zero_denominator":
                assert int(value) == 0
            else:
                raise AssertionError(kind)


def test_no_fault_outside_the_manifest(defects_raw: Path, manifest: pl.DataFrame, vintages: dict):
    """Re-detect every detectable fault in every file and compare with the manifest, row by row."""
    known_new, known_old = vintages["new"], vintages["old"]
    listed = {(f, r, k) for f, r, k in manifest.select("file", "row", "kind").iter_rows()}
    found = set()
    for path in sorted(defects_raw.rglob("*.csv")):
        file = str(path.relative_to(defects_raw))
        if file == "defects_manifest.csv":
            continue
        has_bom, frame = read_text_rows(path)
        if has_bom:
            found.add((file, None, "utf8_bom"))
        frame = frame.with_row_index("row", offset=1)
        first = frame.unique(
            subset=[c for c in frame.columns if c != "row"], keep="first", maintain_order=True
        )
        found |= {(file, r, "duplicate_row") for r in set(frame["row"]) - set(first["row"])}
        code = "commune_code" if "commune_code" in frame.columns else "unit_code"
        level = pl.col("unit_level") if "unit_level" in frame.columns else pl.lit("commune")
        width = level.replace_strict({"nation": 2, "province": 2, "district": 3, "commune": 5})
        short = (pl.col(code) != "VN") & (pl.col(code).str.len_chars() < width)
        unknown = ~short & (level == "commune") & ~pl.col(code).is_in(list(known_new | known_old))
        pre_reform = ~short & ~unknown & ~pl.col(code).is_in(list(known_new))
        found |= {(file, r, "lost_leading_zeros") for r in frame.filter(short)["row"]}
        found |= {(file, r, "unknown_commune_code") for r in frame.filter(unknown)["row"]}
        if file.startswith("rolls/") and file >= "rolls/2025-07":
            found |= {
                (file, r, "pre_reform_code_in_post_reform_month") for r in frame.filter(pre_reform)["row"]
            }
        for column in ("valid_from", "as_of", "due_date"):
            if column in frame.columns:
                found |= {
                    (file, r, "ddmmyyyy_date") for r in frame.filter(pl.col(column).str.contains("/"))["row"]
                }
        if "sex" in frame.columns:
            found |= {(file, r, "nfd_text") for r in frame.filter(~pl.col("sex").is_in(["M", "F"]))["row"]}
            bhyt = frame.filter(pl.col("scheme") == "BHYT")
            found |= {
                (file, r, "missing_bhyt_object_code")
                for r in bhyt.filter(pl.col("bhyt_object_code").is_null())["row"]
            }
            bad = bhyt.filter(
                pl.col("bhyt_object_code").is_not_null()
                & ~pl.col("bhyt_object_code").is_in(list(VALID_OBJECT_CODES))
            )
            found |= {(file, r, "invalid_bhyt_object_code") for r in bad["row"]}
            year = int(file[6:10])
            wrong = frame.filter(
                (pl.col("birth_year").cast(pl.Int32) < 1900) | (pl.col("birth_year").cast(pl.Int32) > year)
            )
            found |= {(file, r, "impossible_birth_year") for r in wrong["row"]}
            bb = frame.filter(pl.col("scheme") == "BHXH_BB").select("person_id")
            both = frame.filter(pl.col("scheme") == "BHXH_TN").join(bb, on="person_id", how="semi")
            found |= {(file, r, "person_in_both_bhxh_bb_and_tn") for r in both["row"]}
        for column, kind, test in (
            ("participants", "negative_count", pl.col("participants").cast(pl.Int64) < 0),
            ("planned_new", "negative_count", pl.col("planned_new").cast(pl.Int64) < 0),
            ("population", "zero_denominator", pl.col("population").cast(pl.Int64) == 0),
            ("labour_force", "zero_denominator", pl.col("labour_force").cast(pl.Int64) == 0),
            ("target_pct", "target_above_100", pl.col("target_pct").cast(pl.Float64) > 100),
        ):
            if column in frame.columns:
                found |= {(file, r, kind) for r in frame.filter(test)["row"]}
    assert found == listed
