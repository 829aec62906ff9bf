"""Utilisation of a program's shared resources per ISO week: hours assigned over weekly
capacity, and the weeks a resource is overbooked (assigned beyond its capacity).

An assignment gives its hours per week to every week from its first to its last (both
included). In force at a status date: its hours as last changed by then (a change applies to
all its weeks), its last week as last ended early by then; a released one gives nothing; one
whose project left the program by then ends with the week it left (as program-svc has it).
Weeks are ISO 8601 (`2026-W05`); one that is no ISO week leaves out what it would feed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from reporting_svc.domain.exact import RATIO, ZERO, divide, exact, rounded

MAX_WEEKS = 156
"""The most weeks one utilisation answers for (three years)."""


def monday(week: str) -> date:
    """The Monday that starts an ISO week `YYYY-Www`; ValueError if it is none."""
    year, sep, number = week.partition("-W")
    if not (sep and len(year) == 4 and len(number) == 2 and (year + number).isdigit()):
        raise ValueError(f"{week!r} is no ISO week")
    return date.fromisocalendar(int(year), int(number), 1)


def week_of(day: date) -> str:
    """The ISO week a day falls in."""
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def is_week(week: str) -> bool:
    """Whether `week` is an ISO week `YYYY-Www` (2026-W53 is, 2027-W53 is not)."""
    try:
        monday(week)
    except ValueError:
        return False
    return True


def weeks_from(first: str, *, count: int) -> list[str]:
    """`count` consecutive ISO weeks from `first` (fewer at the end of the calendar)."""
    day, weeks = monday(first), []
    for _ in range(count):
        weeks.append(week_of(day))
        try:
            day += timedelta(days=7)
        except OverflowError:
            break
    return weeks


@dataclass(frozen=True, slots=True)
class Change:
    """A change of an assignment: `hours` (new hours per week), `ended_early` (a new last
    week) or `released`."""

    version: int
    kind: str
    hours: Decimal | None = None
    last_week: str | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """A resource on a member project for hours per week over a range of ISO weeks."""

    assignment_id: UUID
    resource_id: UUID
    project_id: UUID
    hours: Decimal
    first_week: str
    last_week: str


def in_force(assignment: Assignment, changes: Iterable[Change]) -> Assignment | None:
    """The assignment with its changes applied in stream order; None once released."""
    hours, last = assignment.hours, assignment.last_week
    for change in sorted(changes, key=lambda c: c.version):
        if change.kind == "released":
            return None
        if change.kind == "hours" and change.hours is not None:
            hours = change.hours
        elif change.kind == "ended_early" and change.last_week is not None:
            last = change.last_week
    return Assignment(
        assignment.assignment_id,
        assignment.resource_id,
        assignment.project_id,
        hours,
        assignment.first_week,
        last,
    )


def ended_with(assignment: Assignment, *, left_on: date) -> Assignment | None:
    """The assignment once its project left the program on `left_on`: it ends with that
    day's week; one that had not begun by then no longer counts (None)."""
    left = week_of(left_on)
    if assignment.last_week <= left:
        return assignment
    if assignment.first_week > left:
        return None
    return Assignment(
        assignment.assignment_id,
        assignment.resource_id,
        assignment.project_id,
        assignment.hours,
        assignment.first_week,
        left,
    )


def span(assignments: Iterable[Assignment]) -> tuple[str, str] | None:
    """The first and last week any assignment covers (None without one)."""
    ranges = [(a.first_week, a.last_week) for a in assignments if _valid(a)]
    if not ranges:
        return None
    return min(first for first, _ in ranges), max(last for _, last in ranges)


def _valid(assignment: Assignment) -> bool:
    return (
        is_week(assignment.first_week)
        and is_week(assignment.last_week)
        and assignment.first_week <= assignment.last_week
    )


@dataclass(frozen=True, slots=True)
class Resource:
    """A resource of the pool and its weekly capacity in hours."""

    resource_id: UUID
    capacity: Decimal


@dataclass(frozen=True, slots=True)
class WeekLoad:
    """One resource in one week: hours assigned, capacity, assigned / capacity (4 decimals,
    None for no capacity) and whether it is overbooked (assigned beyond capacity)."""

    week: str
    assigned: Decimal
    capacity: Decimal
    utilisation: Decimal | None
    overbooked: bool


@dataclass(frozen=True, slots=True)
class ResourceLoad:
    """A resource's load in every week asked for, and the weeks it is overbooked."""

    resource_id: UUID
    capacity: Decimal
    weeks: tuple[WeekLoad, ...]

    @property
    def overbooked_weeks(self) -> tuple[str, ...]:
        """The weeks it has more hours assigned than it has."""
        return tuple(w.week for w in self.weeks if w.overbooked)


@exact
def utilisation(
    resources: Sequence[Resource], assignments: Iterable[Assignment], *, weeks: Sequence[str]
) -> list[ResourceLoad]:
    """Each resource's load in each of `weeks` (ISO weeks in order) from the assignments in
    force; an assignment of a resource not in `resources` is left out."""
    hours: dict[tuple[UUID, str], Decimal] = {}
    asked = set(weeks)
    for a in assignments:
        if not _valid(a):
            continue
        for week in asked:
            if a.first_week <= week <= a.last_week:
                key = (a.resource_id, week)
                hours[key] = hours.get(key, ZERO) + a.hours
    return [_load(r, weeks, hours) for r in resources]


def _load(
    resource: Resource, weeks: Sequence[str], hours: dict[tuple[UUID, str], Decimal]
) -> ResourceLoad:
    loads = []
    for week in weeks:
        assigned = hours.get((resource.resource_id, week), ZERO)
        ratio = rounded(divide(assigned, resource.capacity), RATIO)
        over = assigned > resource.capacity
        loads.append(WeekLoad(week, assigned, resource.capacity, ratio, over))
    return ResourceLoad(resource.resource_id, resource.capacity, tuple(loads))
