"""The parts of a program as its events made them: members, resources, assignments, benefits,
dependencies. Frozen: the fold replaces a part, nothing else changes one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal
from functools import reduce
from uuid import UUID

from program_svc.domain.values import DependencyKind, ResourceKind, weeks_between

_PRECISE = Context(prec=28)
"""Percentages are exact where the quotient ends (150 of 200 is 75), else 28 digits."""


@dataclass(frozen=True, slots=True)
class Member:
    """A member project: the day it joined."""

    joined_on: date


@dataclass(frozen=True, slots=True)
class Resource:
    """A person (`person` is their user id) or a role of the resource pool."""

    kind: ResourceKind
    person: str | None
    role: str | None
    skills: tuple[str, ...]
    weekly_capacity_hours: Decimal
    cost_rate: Decimal | None
    added_on: date


@dataclass(frozen=True, slots=True)
class Assignment:
    """A resource booked for a member, hours per week over ISO weeks (both ends included)."""

    resource_id: UUID
    project_id: UUID
    hours_per_week: Decimal
    first_week: str
    last_week: str
    assigned_on: date

    @property
    def weeks(self) -> list[str]:
        """Every ISO week the assignment books."""
        return weeks_between(self.first_week, self.last_week)

    def covers(self, week: str) -> bool:
        """Whether it books `week` (`YYYY-Www` strings sort as the weeks do)."""
        return self.first_week <= week <= self.last_week


@dataclass(frozen=True, slots=True)
class BenefitReport:
    """The value a benefit had reached as of a date."""

    value: Decimal
    as_of: date


@dataclass(frozen=True, slots=True)
class Benefit:
    """A benefit to deliver and the realisation reported so far (in the order recorded)."""

    name: str
    measure: str
    unit: str
    target_value: Decimal
    target_date: date
    owner: str
    planned_on: date
    reports: tuple[BenefitReport, ...] = ()

    @property
    def latest(self) -> BenefitReport | None:
        """The report with the latest `as_of` (of two on one date, the later recorded)."""
        latest: BenefitReport | None = None
        for report in self.reports:
            if latest is None or report.as_of >= latest.as_of:
                latest = report
        return latest

    @property
    def realisation_percent(self) -> Decimal | None:
        """Latest value / target * 100 (None before any report; may exceed 100)."""
        latest = self.latest
        if latest is None:
            return None
        return _PRECISE.divide(_PRECISE.multiply(latest.value, 100), self.target_value)

    @property
    def reached(self) -> bool:
        """Whether the latest value is at or above the target."""
        latest = self.latest
        return latest is not None and latest.value >= self.target_value


@dataclass(frozen=True, slots=True)
class BenefitsRealisation:
    """How far a program's benefits are realised. Units differ between benefits, so values are
    never summed: only each benefit's percentage and whether it reached its target count."""

    planned: int
    reported: int
    at_or_above_target: int
    share_at_target_percent: Decimal | None
    """Benefits at or above target * 100 / benefits planned (None without benefits)."""
    mean_percent: Decimal | None
    """The mean of the reported benefits' realisation % (None before any report)."""

    @classmethod
    def of(cls, benefits: Iterable[Benefit]) -> BenefitsRealisation:
        """The realisation of these benefits."""
        listed = list(benefits)
        percents = [p for p in (b.realisation_percent for b in listed) if p is not None]
        reached = sum(1 for b in listed if b.reached)
        return cls(
            planned=len(listed),
            reported=len(percents),
            at_or_above_target=reached,
            share_at_target_percent=_percent(reached, len(listed)),
            mean_percent=(
                _PRECISE.divide(reduce(_PRECISE.add, percents), len(percents)) if percents else None
            ),
        )


@dataclass(frozen=True, slots=True)
class Dependency:
    """`dependent_project_id` needs `prerequisite_project_id`: to finish first, or one of its
    deliverables (`deliverable` says which)."""

    dependent_project_id: UUID
    prerequisite_project_id: UUID
    kind: DependencyKind
    deliverable: str | None
    added_on: date

    def same_as(self, other: Dependency) -> bool:
        """Whether both say the same thing (deliverables compared case- and space-blind)."""
        return (
            self.dependent_project_id == other.dependent_project_id
            and self.prerequisite_project_id == other.prerequisite_project_id
            and self.kind == other.kind
            and _folded(self.deliverable) == _folded(other.deliverable)
        )


def _percent(part: int, whole: int) -> Decimal | None:
    return _PRECISE.divide(Decimal(part * 100), Decimal(whole)) if whole else None


def _folded(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()
