"""School years run from 1 August to 31 July and are named by their first year."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

FIRST_MONTH = 8


def school_year_of(day: dt.date) -> int:
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def current_school_year() -> int:
    return school_year_of(timezone.localdate())


def label(year: int) -> str:
    return f"{year}-{year + 1}"
