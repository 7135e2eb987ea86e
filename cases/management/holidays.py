"""Public holidays (放假) and adjusted working days (调休) as published by the State Council's
General Office each year. Administrators correct or extend them per year on the calendar page;
this is the starting data loaded by ``load_holiday_calendar``.
"""

from __future__ import annotations

import datetime as dt

D = dt.date


def _span(first: dt.date, last: dt.date, name: str) -> list[tuple[dt.date, bool, str]]:
    days = (last - first).days + 1
    return [(first + dt.timedelta(days=i), False, name) for i in range(days)]


CALENDAR: dict[int, list[tuple[dt.date, bool, str]]] = {
    2025: [
        *_span(D(2025, 1, 1), D(2025, 1, 1), "元旦"),
        *_span(D(2025, 1, 28), D(2025, 2, 4), "春节"),
        (D(2025, 1, 26), True, "春节调休上班"),
        (D(2025, 2, 8), True, "春节调休上班"),
        *_span(D(2025, 4, 4), D(2025, 4, 6), "清明节"),
        *_span(D(2025, 5, 1), D(2025, 5, 5), "劳动节"),
        (D(2025, 4, 27), True, "劳动节调休上班"),
        *_span(D(2025, 5, 31), D(2025, 6, 2), "端午节"),
        *_span(D(2025, 10, 1), D(2025, 10, 8), "国庆节、中秋节"),
        (D(2025, 9, 28), True, "国庆节调休上班"),
        (D(2025, 10, 11), True, "国庆节调休上班"),
    ],
    2026: [
        *_span(D(2026, 1, 1), D(2026, 1, 3), "元旦"),
        (D(2026, 1, 4), True, "元旦调休上班"),
        *_span(D(2026, 2, 15), D(2026, 2, 23), "春节"),
        (D(2026, 2, 14), True, "春节调休上班"),
        (D(2026, 2, 28), True, "春节调休上班"),
        *_span(D(2026, 4, 4), D(2026, 4, 6), "清明节"),
        *_span(D(2026, 5, 1), D(2026, 5, 5), "劳动节"),
        (D(2026, 5, 9), True, "劳动节调休上班"),
        *_span(D(2026, 6, 19), D(2026, 6, 21), "端午节"),
        *_span(D(2026, 9, 25), D(2026, 9, 27), "中秋节"),
        *_span(D(2026, 10, 1), D(2026, 10, 7), "国庆节"),
        (D(2026, 9, 20), True, "国庆节调休上班"),
        (D(2026, 10, 10), True, "国庆节调休上班"),
    ],
}
