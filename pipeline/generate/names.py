"""Plausible Vietnamese full names (family + middle + given), drawn as indices into one dictionary.

Rolls carry names as a dictionary-encoded column: a person holds an index, and the ~29k distinct names
are written once per file, so names cost almost nothing even at national scale. Family-name frequencies
are the commonly cited national shares (Nguyễn ≈ 38%, Trần ≈ 12%, Lê ≈ 9.5%…), with names of large
ethnic minorities (Lò, Giàng, Thạch) at a small share; the remainder is spread evenly.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import numpy as np

from pipeline.generate.randomness import draw, lookup_table

FAMILY = {
    "Nguyễn": 38.4, "Trần": 12.1, "Lê": 9.5, "Phạm": 7.0, "Hoàng": 3.0, "Huỳnh": 2.1, "Phan": 4.5,
    "Vũ": 2.1, "Võ": 1.8, "Đặng": 2.1, "Bùi": 2.0, "Đỗ": 1.4, "Hồ": 1.3, "Ngô": 1.3, "Dương": 1.0,
    "Lý": 0.5, "Đinh": 0.6, "Trương": 0.5, "Lâm": 0.4, "Mai": 0.4, "Đào": 0.5, "Hà": 0.5, "Lương": 0.3,
    "Cao": 0.3, "Tạ": 0.2, "Chu": 0.2, "Tô": 0.2, "Lò": 0.2, "Giàng": 0.1, "Thạch": 0.1, "Kim": 0.1,
}  # fmt: skip
MIDDLE = {
    "M": {"Văn": 35, "Đức": 8, "Minh": 9, "Quang": 7, "Hữu": 6, "Công": 5, "Thành": 5, "Xuân": 4,
          "Ngọc": 4, "Trọng": 4, "Anh": 4, "Tiến": 3, "Thanh": 3, "Gia": 3},
    "F": {"Thị": 45, "Ngọc": 8, "Thu": 6, "Thanh": 6, "Kim": 4, "Phương": 4, "Thùy": 4, "Bảo": 3,
          "Mỹ": 3, "Hồng": 4, "Minh": 3, "Hoài": 3, "Khánh": 3, "Diệu": 2},
}  # fmt: skip
GIVEN = {
    "M": "Anh Bình Cường Dũng Đức Dương Hải Hiếu Hoàng Hùng Huy Khánh Khoa Kiên Long Lâm Minh Nam Nghĩa "
    "Phong Phúc Quân Quang Sơn Tài Thắng Thành Thịnh Toàn Trung Tuấn Tùng Việt Vinh Vũ Hưng Hòa Lộc Đạt Trí",
    "F": "Anh Chi Dung Giang Hà Hằng Hạnh Hoa Hồng Hương Huyền Lan Linh Loan Mai My Nga Ngân Ngọc Nhung "
    "Oanh Phương Quyên Quỳnh Tâm Thảo Thu Thủy Trang Trâm Tuyết Uyên Vân Vy Xuân Yến Hiền Lệ Nhi Thư",
}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@cache
def name_table() -> tuple[list[str], dict[str, tuple[int, int, int, int]]]:
    """All names, male block first; per sex: (offset, families, middles, givens)."""
    names: list[str] = []
    layout = {}
    for sex in ("M", "F"):
        middles, givens = list(MIDDLE[sex]), GIVEN[sex].split()
        layout[sex] = (len(names), len(FAMILY), len(middles), len(givens))
        names += [_nfc(f"{f} {m} {g}") for f in FAMILY for m in middles for g in givens]
    return names, layout


def draw_names(generator: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """An index into ``name_table()[0]`` per person, consistent with their sex."""
    _, layout = name_table()
    result = np.empty(len(male), dtype=np.int32)
    family_table = lookup_table(np.array(list(FAMILY.values())))
    for sex, mask in (("M", male), ("F", ~male)):
        offset, _, n_middle, n_given = layout[sex]
        n = int(mask.sum())
        family = draw(generator, family_table, n)
        middle = draw(generator, lookup_table(np.array(list(MIDDLE[sex].values()), dtype=float)), n)
        given = generator.integers(0, n_given, size=n, dtype=np.int32)
        result[mask] = offset + (family * n_middle + middle) * n_given + given
    return result
