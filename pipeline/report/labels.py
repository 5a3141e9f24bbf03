"""The report's words, in Vietnamese with English alongside."""

from __future__ import annotations

# indicator -> (short Vietnamese name, English)
INDICATORS = {
    "bhyt": ("BHYT", "health insurance"),
    "bhxh": ("BHXH", "social insurance, compulsory and voluntary"),
    "bhxh_bb": ("BHXH bắt buộc", "compulsory social insurance"),
    "bhxh_tn": ("BHXH tự nguyện", "voluntary social insurance"),
    "bhtn": ("BHTN", "unemployment insurance"),
}
SCHEMES = {"BHYT": "BHYT", "BHXH_BB": "BHXH bắt buộc", "BHXH_TN": "BHXH tự nguyện", "BHTN": "BHTN"}
DENOMINATORS = {"population": "dân số · population", "labour_force": "lực lượng lao động · labour force"}
LEVELS = {
    "nation": ("Toàn quốc", "nation"),
    "province": ("Tỉnh, thành phố", "province"),
    "district": ("Quận, huyện", "district"),
    "commune": ("Xã, phường, đặc khu", "commune"),
}
BOUNDARIES = {
    "current": ("địa giới hiện hành", "today's units"),
    "as_reported": ("địa giới tại thời điểm báo cáo", "units as reported"),
}
DELIVERED = {"roll": "danh sách · roll", "aggregate": "số tổng hợp · aggregate", "mixed": "cả hai · mixed"}
