"""The resident register, ``raw/residents/YYYY-MM/``: every person of the simulated population alive at
the end of the month, with the village (thôn, tổ dân phố) and household they live in. It is the kind of
extract a VSS district office obtains from the population database to find who is not yet covered.

The rolls are drawn from the same people, so every roll participant is a resident of the same commune in
the same month, and the residents covered by nothing are there too. Villages and households are fixed
per person for the whole simulation (drawn from a random stream of their own: the rolls and every other
file are the same with or without the register). Built without per-row Python objects, like the rolls.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.generate.geography import TOWN, WARD
from pipeline.generate.names import name_table
from pipeline.generate.options import REFORM_MONTH
from pipeline.generate.people import Population
from pipeline.generate.randomness import digit_matrix, rng
from pipeline.generate.rolls import dictionary, fixed_width_strings

RESIDENT_COLUMNS = [
    "person_id",
    "commune_code",
    "village",
    "household_id",
    "sex",
    "birth_year",
    "full_name",
    "address",
    "phone",
    "source",
]
# Rural communes are made of thôn (named after directions, places and hopes); wards and towns of tổ
# dân phố, numbered. A commune has 4-12 rural villages or 5-15 residential groups.
RURAL_VILLAGES = (
    "Thôn Đông", "Thôn Tây", "Thôn Nam", "Thôn Bắc", "Thôn Trung", "Thôn Thượng", "Thôn Hạ", "Thôn Đoài",
    "Thôn Tân Lập", "Thôn Hòa Bình", "Thôn An Phú", "Thôn Phú Lợi",
)  # fmt: skip
URBAN_GROUPS = tuple(f"Tổ dân phố {k}" for k in range(1, 16))
VILLAGE_NAMES = RURAL_VILLAGES + URBAN_GROUPS
# Vietnam's average household has 3.5 people (2019 census): consecutive residents of a village are
# grouped into households of 3 or 4.
HOUSEHOLD_SIZE = 3.5
PHONE_FROM_AGE = 15  # younger residents have no phone number in the register


class Register:
    """The villages and households of one province's simulated people (fixed for every month)."""

    def __init__(self, population: Population, commune_kind: np.ndarray, seed: int):
        """``commune_kind``: the kind (geography.RURAL, WARD…) of each of the province's communes."""
        profile = population.profile
        generator = rng(seed, "residents", int(profile.code))
        n_communes = len(profile.weight)
        urban = np.isin(commune_kind, (WARD, TOWN))
        n_villages = np.where(
            urban, generator.integers(5, 16, n_communes), generator.integers(4, 13, n_communes)
        )
        commune = population.commune
        local = (generator.random(len(commune)) * n_villages[commune]).astype(np.int32)
        self.village = np.where(urban[commune], len(RURAL_VILLAGES) + local, local).astype(np.int32)
        # Households: consecutive people of one village, and of one commune in both vintages (a split
        # commune's people went to different new communes; a household moved whole).
        home = commune.astype(np.int64) * 10_000 + population.new_commune
        group = home * len(VILLAGE_NAMES) + self.village
        order = np.lexsort((np.arange(len(group)), group))
        sorted_group = group[order]
        first = np.r_[0, np.flatnonzero(np.diff(sorted_group)) + 1]
        position = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
        house = np.empty(len(order), dtype=np.int64)
        house[order] = (position / HOUSEHOLD_SIZE).astype(np.int64)
        self.house_number = (house + 1).astype(np.int32)
        _, household = np.unique(group * 10**7 + house, return_inverse=True)
        self.household_digits = digit_matrix(int(profile.code) * 10**8 + household.astype(np.int64), 10)
        self.phone_digits = digit_matrix((population.sid * 7_919 + 12_345_678) % 10**8, 8)


def resident_table(
    population: Population, register: Register, month: int, new_commune_codes: np.ndarray, source: str
) -> pa.Table:
    """The register of one province at the end of ``month``: every person alive then."""
    person = np.flatnonzero(population.alive(month))
    n = len(person)
    if month >= REFORM_MONTH:
        commune = dictionary(population.new_commune[person], new_commune_codes)
    else:
        commune = dictionary(population.commune[person], population.profile.commune_codes)
    village = dictionary(register.village[person], list(VILLAGE_NAMES))
    names, _ = name_table()
    phone = np.empty((n, 10), dtype=np.uint8)
    phone[:, :2] = np.frombuffer(b"09", dtype=np.uint8)
    phone[:, 2:] = register.phone_digits[person]
    no_phone = population.age(month)[person] < PHONE_FROM_AGE
    address = pc.binary_join_element_wise(
        "Số ",
        pc.cast(pa.array(register.house_number[person]), pa.string()),
        ", ",
        village.cast(pa.string()),
        "",
    )
    return pa.table(
        {
            "person_id": fixed_width_strings(population.sid_digits[person]),
            "commune_code": commune,
            "village": village,
            "household_id": fixed_width_strings(register.household_digits[person]),
            "sex": dictionary(np.where(population.male[person], 1, 0), ["F", "M"]),
            "birth_year": pa.array(population.birth_year[person], type=pa.int16()),
            "full_name": dictionary(population.name[person], names),
            "address": address,
            "phone": pc.if_else(pa.array(no_phone), pa.scalar(None, pa.string()), fixed_width_strings(phone)),
            "source": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, dtype=np.int8), type=pa.int8()), pa.array([source])
            ),
        }
    )
