"""Calendar arithmetic on partition keys, shared by ingestion, marts and the schedule."""

from datetime import date

from pipeline.partitions import month_end, shift_month


def test_months_shift_across_year_ends():
    assert shift_month("2025-08", 1) == "2025-09"
    assert shift_month("2025-12", 1) == "2026-01"
    assert shift_month("2025-01", -1) == "2024-12"
    assert shift_month("2024-12", 12) == "2025-12"


def test_a_month_ends_on_its_last_day():
    assert month_end("2024-02") == date(2024, 2, 29)
    assert month_end("2025-12") == date(2025, 12, 31)
    assert month_end("2025-06") == date(2025, 6, 30)
