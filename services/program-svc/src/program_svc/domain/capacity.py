"""Booked hours of a resource per ISO week, and the weeks a booking would overbook.

Bookings are piecewise constant between the first and last weeks of the assignments, so the
check walks those stretches, not every week: an assignment over decades costs no more to check
than one over a month (only the weeks it overbooks are named one by one)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from itertools import pairwise

from program_svc.domain.errors import OverbookedWeek
from program_svc.domain.parts import Assignment
from program_svc.domain.values import week_at, week_index


def overbooked_weeks(
    others: Iterable[Assignment],
    *,
    first_week: str,
    last_week: str,
    hours: Decimal,
    capacity: Decimal,
) -> list[OverbookedWeek]:
    """Each week of `first_week..last_week` in which `hours` more than `others` book would
    exceed `capacity`, in week order, with the hours it would be booked and the excess."""
    low, high = week_index(first_week), week_index(last_week)
    spans = [
        (max(low, week_index(a.first_week)), min(high, week_index(a.last_week)), a.hours_per_week)
        for a in others
    ]
    spans = [span for span in spans if span[0] <= span[1]]
    cuts = sorted({low, high + 1, *(s[0] for s in spans), *(s[1] + 1 for s in spans)})
    weeks: list[OverbookedWeek] = []
    for start, end in pairwise(cuts):
        booked = hours + sum((h for f, last, h in spans if f <= start <= last), Decimal(0))
        if booked > capacity:
            weeks.extend(
                OverbookedWeek(week_at(index), booked, booked - capacity)
                for index in range(start, end)
            )
    return weeks


def booked_hours(
    assignments: Iterable[Assignment],
    *,
    first_week: str | None = None,
    last_week: str | None = None,
) -> dict[str, Decimal]:
    """Hours booked per ISO week (weeks with bookings only, in week order), optionally only
    within `first_week..last_week`."""
    booked: dict[str, Decimal] = {}
    for assignment in assignments:
        first = max(assignment.first_week, first_week or assignment.first_week)
        last = min(assignment.last_week, last_week or assignment.last_week)
        for index in range(week_index(first), week_index(last) + 1):
            week = week_at(index)
            booked[week] = booked.get(week, Decimal(0)) + assignment.hours_per_week
    return dict(sorted(booked.items()))
