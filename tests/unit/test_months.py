"""Calendar arithmetic on month keys, shared by ingestion, marts, the schedule, quality checks and the
generator."""

from datetime import date

import pytest

from pipeline.months import month_end, month_index, month_text, shift_month


def test_months_shift_across_year_ends():
    assert shift_month("2025-08", 1) == "2025-09"
    assert shift_month("2025-12", 1) == "2026-01"
    assert shift_month("2025-01", -1) == "2024-12"
    assert shift_month("2024-12", 12) == "2025-12"


def test_a_month_ends_on_its_last_day():
    assert month_end("2024-02") == date(2024, 2, 29)
    assert month_end("2025-12") == date(2025, 12, 31)
    assert month_end("2025-06") == date(2025, 6, 30)


def test_a_month_index_round_trips_and_rejects_what_is_not_a_month():
    assert month_text(month_index("2025-07")) == "2025-07"
    assert month_index("2025-01") - month_index("2024-12") == 1
    for text in ("2025-8", "2025-13", "2025-00", "", "2025-08-01"):
        with pytest.raises(ValueError, match="is not a month"):
            month_index(text)
