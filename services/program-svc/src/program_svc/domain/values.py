"""Value types of programs (the kernel's `pmo_shared.domain.values` has money, text and ids)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

ISO_WEEK_PATTERN = r"^[0-9]{4}-W[0-9]{2}$"


class ProgramStatus(StrEnum):
    """Where a program is in its lifecycle."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ResourceKind(StrEnum):
    """A named person of the pool, or a role (capacity of whoever fills it)."""

    PERSON = "person"
    ROLE = "role"


class DependencyKind(StrEnum):
    """How a member needs another: it starts when the other finishes, or it needs one of the
    other's deliverables."""

    FINISH_TO_START = "finish_to_start"
    DELIVERABLE = "deliverable"


def _iso_week(value: str) -> str:
    year, week = int(value[:4]), int(value[6:])
    if not 1 <= week <= weeks_in(year):
        raise ValueError(f"{value} is no ISO week: {year} has weeks 01..{weeks_in(year):02d}")
    return value


IsoWeek = Annotated[str, Field(pattern=ISO_WEEK_PATTERN), AfterValidator(_iso_week)]
"""An ISO 8601 week, `YYYY-Www` (2026-W53 exists, 2027-W53 does not)."""

Hours = Annotated[Decimal, Field(gt=0, le=168, max_digits=6, decimal_places=2)]
"""Hours per week (positive, at most 168)."""


def weeks_in(year: int) -> int:
    """How many ISO weeks a year has (52 or 53)."""
    return date(year, 12, 28).isocalendar().week


def week_of(day: date) -> str:
    """The ISO week a date falls in."""
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def monday_of(week: str) -> date:
    """The Monday that starts an ISO week."""
    return date.fromisocalendar(int(week[:4]), int(week[6:]), 1)


def weeks_between(first: str, last: str) -> list[str]:
    """Every ISO week from `first` to `last`, both included (empty when last < first)."""
    day, end = monday_of(first), monday_of(last)
    weeks = []
    while day <= end:
        weeks.append(week_of(day))
        day += timedelta(days=7)
    return weeks


def is_iso_week(value: str) -> bool:
    """Whether `value` names an ISO week, `YYYY-Www` (2026-W53 does, 2027-W53 does not)."""
    if re.fullmatch(ISO_WEEK_PATTERN, value) is None:
        return False
    year, week = int(value[:4]), int(value[6:])
    return year >= 1 and 1 <= week <= weeks_in(year)


def week_index(week: str) -> int:
    """A week's place in a count of every ISO week (consecutive weeks differ by one)."""
    return (monday_of(week).toordinal() - 1) // 7  # day 1 of the proleptic calendar: a Monday


def week_at(index: int) -> str:
    """The ISO week at `week_index` `index`."""
    return week_of(date.fromordinal(index * 7 + 1))


def hours_text(hours: Decimal) -> str:
    """Hours as a response shows them: plain decimal, no trailing zeros ("40", "37.5")."""
    text = f"{hours:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
