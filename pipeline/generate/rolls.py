"""A month's roll rows as an Arrow table, built without per-row Python objects.

Identifiers are written digit by digit into a byte matrix and wrapped as an Arrow string array; codes,
names and labels are dictionary arrays (small dictionaries, integer indices), which Parquet stores as
dictionary pages. This is what makes a national month (≈130M rows) fit in minutes and a few GB.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pipeline.generate.names import name_table
from pipeline.generate.options import REFORM_MONTH, first_days, last_days
from pipeline.generate.people import BENEFIT_LEVEL, CODES, OPEN, SCHEMES, Population, Snapshot

ROLL_COLUMNS = [
    "person_id",
    "scheme",
    "commune_code",
    "sex",
    "birth_year",
    "bhyt_object_code",
    "bhyt_card_no",
    "valid_from",
    "valid_to",
    "full_name",
    "source",
]
_CODE_BYTES = np.array([list((code or "  ").encode()) for code in CODES], dtype=np.uint8)


def fixed_width_strings(matrix: np.ndarray) -> pa.Array:
    """Each row of an (n, width) ASCII byte matrix as one string."""
    n, width = matrix.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(matrix)))


def dictionary(
    indices: np.ndarray, values: list[str] | np.ndarray, mask: np.ndarray | None = None
) -> pa.Array:
    """A dictionary array holding only the values actually used (small dictionaries, stable order).
    O(n): the used values are found by counting, not by sorting."""
    counts = np.bincount(indices if mask is None else indices[~mask], minlength=len(values))
    used = np.flatnonzero(counts)
    remap = np.zeros(len(values), dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    index_type, dtype = (pa.int16(), np.int16) if len(used) < 2**15 else (pa.int32(), np.int32)
    return pa.DictionaryArray.from_arrays(
        pa.array(remap[indices].astype(dtype), type=index_type, mask=mask),
        pa.array(np.asarray(values, dtype=object)[used].tolist(), type=pa.string()),
    )


def dates(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.int32(), mask=mask).cast(pa.date32())


def roll_table(
    population: Population, snapshot: Snapshot, new_commune_codes: np.ndarray, card_province: str, source: str
) -> pa.Table:
    """The roll rows of one province and month. ``card_province`` is the province code printed on cards
    issued in that month's vintage."""
    person = snapshot.person
    n, n_bhyt = len(person), snapshot.n_bhyt
    person_id = population.sid_digits[person]
    if snapshot.month >= REFORM_MONTH:
        commune = dictionary(population.new_commune[person], new_commune_codes)
    else:
        commune = dictionary(population.commune[person], population.profile.commune_codes)
    is_bhyt = np.zeros(n, dtype=bool)
    is_bhyt[n - n_bhyt :] = True
    code = snapshot.code
    card = np.empty((n_bhyt, 15), dtype=np.uint8)
    card[:, 0:2] = _CODE_BYTES[code[n - n_bhyt :]]
    card[:, 2] = BENEFIT_LEVEL[code[n - n_bhyt :]] + 48
    card[:, 3:5] = np.frombuffer(card_province.encode(), dtype=np.uint8)
    card[:, 5:] = person_id[n - n_bhyt :]
    names, _ = name_table()
    open_end = snapshot.end == OPEN
    columns = {
        "person_id": fixed_width_strings(person_id),
        "scheme": dictionary(snapshot.scheme, list(SCHEMES)),
        "commune_code": commune,
        "sex": dictionary(np.where(population.male[person], 1, 0), ["F", "M"]),
        "birth_year": pa.array(population.birth_year[person], type=pa.int16()),
        "bhyt_object_code": dictionary(code, list(CODES), mask=~is_bhyt),
        "bhyt_card_no": pa.chunked_array(
            [pa.nulls(n - n_bhyt, pa.string()), fixed_width_strings(card)], type=pa.string()
        ),
        "valid_from": dates(first_days(snapshot.start)),
        "valid_to": dates(last_days(np.where(open_end, snapshot.month, snapshot.end)), mask=open_end),
        "full_name": dictionary(population.name[person], names),
        "source": pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, dtype=np.int8), type=pa.int8()), pa.array([source])
        ),
    }
    return pa.table(columns)
