"""Risk that travels along the dependencies between a program's members.

A member is *at risk from a dependency* when a project it needs is red, or is forecast to
finish after the member's planned start. A prerequisite's forecast finish is its planned start
plus its planned duration stretched by its schedule performance: start + duration / SPI, in
whole days, rounded up (any slip moves the finish to the next day). It is unknown without a
baseline or when its SPI is undefined (null) or 0 (no progress: no finish can be foreseen);
when the finish or the member's start is unknown and the prerequisite is not red, the risk is
`unknown`, never assumed away.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from uuid import UUID

from reporting_svc.domain.exact import exact
from reporting_svc.domain.health import Rag


class DependencyRisk(StrEnum):
    """Whether a dependency puts its dependent at risk."""

    AT_RISK = "at_risk"
    UNKNOWN = "unknown"
    NONE = "none"


_SEVERITY = {DependencyRisk.NONE: 0, DependencyRisk.UNKNOWN: 1, DependencyRisk.AT_RISK: 2}


class Reason(StrEnum):
    """Why a dependency puts its dependent at risk."""

    PREREQUISITE_RED = "prerequisite_red"
    FORECAST_AFTER_START = "forecast_after_start"


@dataclass(frozen=True, slots=True)
class Schedule:
    """What the risk needs of a project: its planned schedule (from the baseline in force),
    its SPI and its overall health at the status date (None where not known)."""

    planned_start: date | None
    planned_finish: date | None
    spi: Decimal | None
    health: Rag | None


@exact
def forecast_finish(schedule: Schedule) -> date | None:
    """planned start + planned duration / SPI, rounded up to whole days; None when the
    schedule or the SPI is unknown, the SPI is 0, or the date is beyond the calendar."""
    start, finish, spi = schedule.planned_start, schedule.planned_finish, schedule.spi
    if start is None or finish is None or spi is None or spi <= 0:
        return None
    days = (Decimal((finish - start).days) / spi).to_integral_value(rounding=ROUND_CEILING)
    try:
        return start + timedelta(days=int(days))
    except OverflowError:
        return None


@dataclass(frozen=True, slots=True)
class Dependency:
    """`dependent` needs `prerequisite` (to finish first, or one of its deliverables)."""

    dependency_id: UUID
    dependent: UUID
    prerequisite: UUID
    kind: str


@dataclass(frozen=True, slots=True)
class Assessment:
    """A dependency at the status date: the prerequisite's forecast finish, the dependent's
    planned start, and the risk with its reasons."""

    dependency: Dependency
    forecast_finish: date | None
    dependent_start: date | None
    risk: DependencyRisk
    reasons: tuple[Reason, ...]


def assess(
    dependency: Dependency, *, dependent: Schedule | None, prerequisite: Schedule | None
) -> Assessment:
    """The risk `dependency` puts on its dependent (a project reporting does not know yet
    has an unknown schedule)."""
    finish = None if prerequisite is None else forecast_finish(prerequisite)
    start = None if dependent is None else dependent.planned_start
    reasons = []
    if prerequisite is not None and prerequisite.health == Rag.RED:
        reasons.append(Reason.PREREQUISITE_RED)
    if finish is not None and start is not None and finish > start:
        reasons.append(Reason.FORECAST_AFTER_START)
    if reasons:
        risk = DependencyRisk.AT_RISK
    elif finish is None or start is None:
        risk = DependencyRisk.UNKNOWN
    else:
        risk = DependencyRisk.NONE
    return Assessment(dependency, finish, start, risk, tuple(reasons))


def member_risk(assessments: Iterable[Assessment], *, member: UUID) -> DependencyRisk:
    """The worst risk any of `member`'s dependencies puts on it (`none` without any)."""
    risks = [a.risk for a in assessments if a.dependency.dependent == member]
    return max(risks, key=_SEVERITY.__getitem__, default=DependencyRisk.NONE)
