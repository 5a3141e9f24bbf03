"""Numbers and dates the Vietnamese way: ``1.699 người``, ``49,5%``, ``31/05/2025``.

Vietnamese writes a dot between thousands and a comma before decimals. The report formats every figure
here, so the page, its tables and the browser test agree on one spelling.
"""

from __future__ import annotations

from datetime import date, datetime

MISSING = "–"


def number(value: int | float | None) -> str:
    """``1699`` → ``1.699``; ``None`` → ``–``."""
    if value is None:
        return MISSING
    return f"{round(value):,}".replace(",", ".")


def decimal(value: float | None, digits: int = 2) -> str:
    """At most ``digits`` decimals, trailing zeros dropped: ``49.50`` → ``49,5``; ``37.0`` → ``37``."""
    if value is None:
        return MISSING
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",")


def percent(value: float | None, digits: int = 2) -> str:
    """``49.5`` → ``49,5%``."""
    return MISSING if value is None else f"{decimal(value, digits)}%"


def points(value: float | None) -> str:
    """A gap in percentage points, signed when the unit is ahead: ``7.5`` → ``7,5``; ``-1.2`` → ``−1,2``."""
    if value is None:
        return MISSING
    return decimal(value).replace("-", "−")


def day(value: date | datetime | None) -> str:
    """``2025-05-31`` → ``31/05/2025``."""
    return MISSING if value is None else value.strftime("%d/%m/%Y")


def month(value: date) -> str:
    """``2025-05-31`` → ``05/2025``."""
    return value.strftime("%m/%Y")
