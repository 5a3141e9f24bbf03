"""Clean frames shaped like the output of sql/quality/*.sql, for validating the suites without a
warehouse. Every suite passes on them; a test plants one fault at a time."""

from __future__ import annotations

from datetime import date

import pandas as pd

OBJECT_CODES = ["DN", "GD", "HS", "HT", "TE"]


def _dates(*values: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object"))


def rolls_by_commune() -> pd.DataFrame:
    rows = [
        # commune, scheme, rows, participants, in both, remapped, participants per population
        ("00004", "BHYT", 5, 4, 0, 0, 4 / 65_000),
        ("00004", "BHXH_BB", 1, 1, 0, 0, None),
        ("00004", "BHXH_TN", 1, 1, 0, 0, None),
        ("00008", "BHYT", 3, 3, 0, 0, 3 / 50_000),
        ("00008", "BHXH_BB", 2, 2, 0, 0, None),
        ("00008", "BHTN", 2, 2, 0, 0, None),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "commune_code",
            "scheme",
            "roll_rows",
            "participants",
            "in_both",
            "remapped",
            "participants_per_population",
        ],
    )
    frame.insert(0, "period", _dates(*["2025-08-31"] * len(rows)))
    frame.insert(1, "month_end", _dates(*["2025-08-31"] * len(rows)))
    frame.insert(2, "vintage", _dates(*["2025-07-01"] * len(rows)))
    frame.insert(3, "vintage_in_force", _dates(*["2025-07-01"] * len(rows)))
    frame["commune_in_vintage"] = True
    frame["active_share"] = frame["participants"] / frame["roll_rows"]
    frame["in_both_bhxh_share"] = frame.pop("in_both") / frame["roll_rows"]
    frame["code_remapped_share"] = frame.pop("remapped") / frame["roll_rows"]
    return frame


def rolls_sample() -> pd.DataFrame:
    rows = [
        # scheme, commune, sex, birth year, object code, valid from, valid to
        ("BHYT", "00004", "F", 1980, "GD", "2025-01-01", "2025-12-31"),
        ("BHYT", "00004", "M", 2022, "TE", None, None),
        ("BHYT", "00004", "M", 1990, "DN", "2025-01-01", "2025-06-30"),
        ("BHYT", "00008", "F", 2012, "HS", "2024-09-01", "2025-09-30"),
        ("BHYT", "00008", "F", 1955, "HT", None, None),
        ("BHXH_BB", "00004", "M", 1990, None, "2020-03-01", None),
        ("BHXH_TN", "00004", "F", 1980, None, "2025-01-01", None),
        ("BHTN", "00008", "M", 1985, None, "2019-01-01", None),
    ]
    period = pd.Timestamp(date(2025, 8, 31))
    frame = pd.DataFrame(
        rows, columns=["scheme", "commune_code", "sex", "birth_year", "bhyt_object_code", "from", "to"]
    )
    frame.insert(0, "period", _dates(*["2025-08-31"] * len(rows)))
    frame["female"] = frame["sex"].map({"F": 1.0, "M": 0.0})
    frame["birth_year"] = frame["birth_year"].astype("Int16")
    frame["age"] = 2025 - frame["birth_year"].astype("Int64")
    frame["valid_from"] = _dates(*frame.pop("from"))
    frame["valid_to"] = _dates(*frame.pop("to"))
    active = (frame["valid_from"].isna() | (frame["valid_from"] <= period)) & (
        frame["valid_to"].isna() | (frame["valid_to"] >= period)
    )
    frame["is_active"] = active
    frame["active_on_period"] = active
    frame["in_both_bhxh"] = False
    return frame


def _units(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(
        frame.columns.get_loc("unit_code") + 1, "unit", frame["unit_level"] + ":" + frame["unit_code"]
    )
    frame["unit_in_vintage"] = True
    return frame


def aggregates() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            ("2025-07-31", "province", "01", "BHYT", 8_150_000, None, 8_150_000 / 8_700_000),
            ("2025-08-31", "province", "01", "BHYT", 8_200_000, None, 8_200_000 / 8_700_000),
            ("2025-08-31", "province", "01", "BHXH", 2_300_000, None, 2_300_000 / 4_300_000),
        ],
        columns=[
            "as_of",
            "unit_level",
            "unit_code",
            "scheme",
            "participants",
            "change_on_year_before",
            "participants_per_denominator",
        ],
    )
    frame["as_of"] = _dates(*frame["as_of"])
    frame.insert(1, "month_end", frame["as_of"])
    frame.insert(2, "vintage", _dates(*["2025-07-01"] * len(frame)))
    frame["change_on_year_before"] = frame["change_on_year_before"].astype("float64")
    return _units(frame)


def denominators(kind: str) -> pd.DataFrame:
    population = {"VN": 101_300_000, "01": 8_700_000, "00004": 65_000, "00008": 50_000}
    labour_force = {"VN": 47_000_000, "01": 4_300_000, "00004": 30_000, "00008": 24_000}
    values = population if kind == "population" else labour_force
    levels = {"VN": "nation", "01": "province", "00004": "commune", "00008": "commune"}
    frame = pd.DataFrame(
        {
            "year": [2025] * 4,
            "vintage": _dates(*["2025-07-01"] * 4),
            "unit_level": [levels[code] for code in values],
            "unit_code": list(values),
            "value": list(values.values()),
            "change_on_year_before": [1.01, 1.0, None, None],
            "labour_force_share": [labour_force[code] / population[code] for code in values],
        }
    )
    # As in sql/quality/denominators.sql: each figure over the median of its level and year.
    frame["ratio_to_level_median"] = frame["value"] / frame.groupby("unit_level")["value"].transform("median")
    return _units(frame)


def targets() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            ("province", "01", "bhxh", 55.0, 0.0),
            ("province", "01", "bhxh_bb", 45.0, None),
            ("province", "01", "bhxh_tn", 10.0, None),
            ("province", "01", "bhyt", 95.0, None),
            ("nation", "VN", "bhtn", 35.0, None),
        ],
        columns=["unit_level", "unit_code", "indicator", "target_pct", "bhxh_components_gap"],
    )
    frame.insert(0, "year", 2025)
    frame.insert(1, "vintage", _dates(*["2025-07-01"] * len(frame)))
    frame.insert(6, "due_date", _dates(*["2025-12-31"] * len(frame)))
    frame.insert(7, "due_year", 2025)
    return _units(frame)


def plans() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            ("province", "01", "BHYT", "GD", 12_000, 8_700_000),
            ("province", "01", "BHXH_TN", None, 5_000, 8_700_000),
        ],
        columns=["unit_level", "unit_code", "scheme", "bhyt_object_code", "planned_new", "population"],
    )
    frame.insert(0, "year", 2025)
    frame.insert(1, "vintage", _dates(*["2025-07-01"] * len(frame)))
    frame["planned_per_population"] = frame["planned_new"] / frame["population"]
    return _units(frame)


def clean(source: str) -> dict[str, pd.DataFrame]:
    """The frames of one source's suites, by frame name."""
    if source == "rolls":
        return {"rolls_by_commune": rolls_by_commune(), "rolls_sample": rolls_sample()}
    if source in ("population", "labour_force"):
        return {"denominators": denominators(source)}
    return {source: {"aggregates": aggregates, "targets": targets, "plans": plans}[source]()}
