"""Realistic faults, injected on request, and the manifest that lists exactly what was injected.

Each faulty row carries exactly one fault, rows that another fault points at (the original of a
duplicate, the compulsory record of a person given a second, voluntary one) are left clean, and every
other row is clean; so each manifest line (file, 1-based data row as written, kind, column, detail) is
unambiguous. Faults that live in the text of a file (BOM, DD/MM/YYYY, NFD, lost zeros) need CSV, so in
defects mode every file is written as CSV.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from pipeline.generate.people import CODES
from pipeline.generate.randomness import choose

KINDS = (
    "duplicate_row",
    "unknown_commune_code",
    "pre_reform_code_in_post_reform_month",
    "lost_leading_zeros",
    "nfd_text",
    "utf8_bom",
    "ddmmyyyy_date",
    "missing_bhyt_object_code",
    "invalid_bhyt_object_code",
    "person_in_both_bhxh_bb_and_tn",
    "impossible_birth_year",
    "negative_count",
    "target_above_100",
    "zero_denominator",
)
MANIFEST_COLUMNS = ["file", "row", "kind", "column", "detail"]
BOM = "\ufeff".encode()
# Object codes of the law, by group (the domain guide), plus ND, TG, AK added in 2023: an invalid code must
# be none of them.
OBJECT_CODE_GROUPS = {
    "1": "DN HX CH NN TK HC XK",
    "2": "HT TB NO CT XB TN CS",
    "3": "QN CA CY XN MS CC CK CB KC HD TE BT HN DT DK XD TS TC TQ TA TY HG LS PV",
    "4": "CN HS SV GB",
    "5": "GD",
    "2023": "ND TG AK",
}
VALID_OBJECT_CODES = frozenset(code for codes in OBJECT_CODE_GROUPS.values() for code in codes.split())
INVALID_OBJECT_CODES = ("ZZ", "XX", "QQ", "OO", "G0")
ROLL_KINDS = (
    "duplicate_row",
    "person_in_both_bhxh_bb_and_tn",
    "unknown_commune_code",
    "pre_reform_code_in_post_reform_month",
    "lost_leading_zeros",
    "nfd_text",
    "ddmmyyyy_date",
    "missing_bhyt_object_code",
    "invalid_bhyt_object_code",
    "impossible_birth_year",
)
assert set(CODES[1:]) <= VALID_OBJECT_CODES and not set(INVALID_OBJECT_CODES) & VALID_OBJECT_CODES


@dataclass(frozen=True)
class FileSpec:
    """Which faults a file can carry and the columns they go in."""

    kinds: tuple[str, ...]  # row-level kinds, in the order they are drawn
    code_column: str | None = None
    date_column: str | None = None
    count_column: str | None = None
    forced: frozenset[str] = frozenset()  # kinds that must appear here at least once (file-level included)
    snapshot_year: int | None = None  # rolls: for impossible birth years


@dataclass
class Injection:
    text: bytes
    rows: int
    entries: list[dict] = field(default_factory=list)


def _strings(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text, exactly as it will be written (ISO dates, empty for null)."""
    return frame.select(
        (
            pl.col(c).dt.strftime("%Y-%m-%d") if frame[c].dtype == pl.Date else pl.col(c).cast(pl.String)
        ).fill_null("")
        for c in frame.columns
    )


def inject(
    frame: pl.DataFrame,
    file: str,
    spec: FileSpec,
    rate: float,
    generator: np.random.Generator,
    known_codes: frozenset[str],
    post_reform_codes: frozenset[str],
) -> Injection:
    """Apply faults to ``frame`` (hidden helper columns start with ``_`` and are not written) and return
    the CSV bytes plus its manifest entries."""
    text = _strings(frame)
    columns = {c: text[c].to_numpy().copy() for c in text.columns}
    n = frame.height
    used = np.zeros(n, dtype=bool)
    added: list[tuple[int, dict[str, str]]] = []  # (index of the row it copies, values)
    pending: list[tuple] = []  # (row or ("added", i), kind, column, detail)
    visible = [c for c in frame.columns if not c.startswith("_")]

    def eligible(kind: str) -> np.ndarray:
        if kind in ("duplicate_row", "zero_denominator", "target_above_100"):
            return np.ones(n, dtype=bool)
        if kind == "unknown_commune_code":
            return (
                np.ones(n, dtype=bool)
                if "unit_level" not in text.columns
                else columns["unit_level"] == "commune"
            )
        if kind == "pre_reform_code_in_post_reform_month":
            if "_old_code" not in text.columns:
                return np.zeros(n, dtype=bool)
            return ~text["_old_code"].is_in(list(post_reform_codes)).to_numpy() & (columns["_old_code"] != "")
        if kind == "lost_leading_zeros":
            return text[spec.code_column].str.starts_with("0").to_numpy()
        if kind == "nfd_text":
            return columns["sex"] == "F"
        if kind == "ddmmyyyy_date":
            return columns[spec.date_column] != ""
        if kind in ("missing_bhyt_object_code", "invalid_bhyt_object_code"):
            return columns["scheme"] == "BHYT"
        if kind == "person_in_both_bhxh_bb_and_tn":
            return (columns["scheme"] == "BHXH_BB") & (columns["valid_to"] == "")
        if kind == "impossible_birth_year":
            return columns["birth_year"] != ""
        if kind == "negative_count":
            return text[spec.count_column].cast(pl.Float64).to_numpy() > 0
        raise AssertionError(kind)

    per_kind = rate / max(len(spec.kinds), 1)
    for kind in spec.kinds:
        candidates = np.flatnonzero(eligible(kind) & ~used)
        k = int(generator.binomial(n, per_kind)) if n else 0
        if kind in spec.forced:
            k = max(k, 1)
        chosen = choose(generator, candidates, k)
        used[chosen] = True
        for row in chosen.tolist():
            pending.extend(_apply(kind, row, columns, spec, generator, known_codes, added, visible))

    # Added rows (duplicates, second BHXH records) go after the row they copy, at a random later place.
    keys = np.arange(n, dtype=np.int64) * 2
    added_keys = np.array([int(generator.integers(after, n)) * 2 + 1 for after, _ in added], dtype=np.int64)
    order = np.argsort(np.concatenate([keys, added_keys]), kind="stable")
    final_row = np.empty(len(order), dtype=np.int64)
    final_row[order] = np.arange(1, len(order) + 1)
    out = pl.DataFrame(
        {c: np.concatenate([columns[c], np.array([v[c] for _, v in added], dtype=object)]) for c in visible},
        schema={c: pl.String for c in visible},
    )[order]
    # empty cells are written empty (as nulls are), never as a quoted empty string
    out = out.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in visible)

    def row_of(ref: int | tuple[str, int]) -> int:
        return int(final_row[ref if isinstance(ref, int) else n + ref[1]])

    entries = []
    for ref, kind, column, detail in pending:
        detail = str(row_of(detail)) if kind in ("duplicate_row", "person_in_both_bhxh_bb_and_tn") else detail
        entries.append({"file": file, "row": row_of(ref), "kind": kind, "column": column, "detail": detail})
    entries.sort(key=lambda e: e["row"])
    bom = "utf8_bom" in spec.forced or generator.random() < rate
    if bom:
        entries.insert(
            0,
            {
                "file": file,
                "row": None,
                "kind": "utf8_bom",
                "column": "",
                "detail": "file starts with a UTF-8 BOM",
            },
        )
    return Injection(
        text=(BOM if bom else b"") + out.write_csv().encode("utf-8"), rows=out.height, entries=entries
    )


def _apply(
    kind: str,
    row: int,
    columns: dict[str, np.ndarray],
    spec: FileSpec,
    generator: np.random.Generator,
    known_codes: frozenset[str],
    added: list,
    visible: list[str],
) -> list[tuple]:
    """Fault one row in place (or add the faulty row); returns the pending manifest entries."""
    if kind == "duplicate_row":
        added.append((row, {c: columns[c][row] for c in visible}))
        return [(("added", len(added) - 1), kind, "", row)]
    if kind == "person_in_both_bhxh_bb_and_tn":
        copy = {c: columns[c][row] for c in visible}
        copy["scheme"] = "BHXH_TN"
        copy["valid_to"] = columns["_month_end"][row]  # a voluntary term paid to the month's end
        added.append((row, copy))
        return [(("added", len(added) - 1), kind, "scheme", row)]
    if kind == "unknown_commune_code":
        code = columns[spec.code_column]
        while True:  # five digits, no leading zero (that would be another fault), in no vintage
            candidate = str(int(generator.integers(10000, 100000)))
            if candidate not in known_codes:
                break
        was, code[row] = code[row], candidate
        return [(row, kind, spec.code_column, f"was {was}")]
    if kind == "pre_reform_code_in_post_reform_month":
        code = columns[spec.code_column]
        code[row] = columns["_old_code"][row]
        return [
            (row, kind, spec.code_column, "partial" if columns["_old_partial"][row] == "true" else "whole")
        ]
    if kind == "lost_leading_zeros":
        code = columns[spec.code_column]
        was, code[row] = code[row], code[row].lstrip("0") or "0"
        return [(row, kind, spec.code_column, f"was {was}")]
    if kind == "nfd_text":
        columns["sex"][row] = unicodedata.normalize("NFD", "Nữ")
        return [(row, kind, "sex", "F written as 'Nữ' in decomposed (NFD) form")]
    if kind == "ddmmyyyy_date":
        column = columns[spec.date_column]
        year, month, day = column[row].split("-")
        column[row] = f"{day}/{month}/{year}"
        return [(row, kind, spec.date_column, "")]
    if kind == "missing_bhyt_object_code":
        columns["bhyt_object_code"][row] = ""
        columns["bhyt_card_no"][row] = ""
        return [(row, kind, "bhyt_object_code", "object code and card number both empty")]
    if kind == "invalid_bhyt_object_code":
        bad = INVALID_OBJECT_CODES[int(generator.integers(len(INVALID_OBJECT_CODES)))]
        was = columns["bhyt_object_code"][row]
        columns["bhyt_object_code"][row] = bad
        columns["bhyt_card_no"][row] = bad + columns["bhyt_card_no"][row][2:]
        return [(row, kind, "bhyt_object_code", f"was {was}")]
    if kind == "impossible_birth_year":
        year = spec.snapshot_year or 2025
        bad = (
            int(generator.integers(year + 1, year + 80))
            if generator.random() < 0.5
            else int(generator.integers(1800, 1900))
        )
        was, columns["birth_year"][row] = columns["birth_year"][row], str(bad)
        return [(row, kind, "birth_year", f"was {was}")]
    if kind == "negative_count":
        column = columns[spec.count_column]
        was, column[row] = column[row], f"-{column[row]}"
        return [(row, kind, spec.count_column, f"was {was}")]
    if kind == "zero_denominator":
        column = columns[spec.count_column]
        was, column[row] = column[row], "0"
        return [(row, kind, spec.count_column, f"was {was}")]
    if kind == "target_above_100":
        column = columns[spec.count_column]
        was, column[row] = column[row], f"{100 + generator.uniform(0.5, 30):.1f}"
        return [(row, kind, spec.count_column, f"was {was}")]
    raise AssertionError(kind)
