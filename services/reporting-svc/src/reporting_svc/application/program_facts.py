"""A program's facts as the read model returns them (JSON aggregates, numbers as text) turned
into the domain's values: memberships, pool changes, allocation legs, benefits, dependencies,
resources and the assignments in force."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from reporting_svc.application.reports import NOT_OPENED, ProjectReport
from reporting_svc.domain import benefits, dependencies, utilisation
from reporting_svc.domain.program_rollup import AllocationLeg, PoolChange
from reporting_svc.readmodel.dates import iso_date


@dataclass(frozen=True, slots=True)
class Membership:
    """A project's membership in force at the status date: the version of the program's
    stream that made it a member, and the day it joined."""

    project_id: UUID
    joined_version: int
    joined_on: date


def memberships(data: Iterable[Mapping[str, Any]]) -> list[Membership]:
    """The members at the status date, by the day they joined (one membership per project:
    the latest, should the facts ever hold two)."""
    latest: dict[UUID, Membership] = {}
    for item in data:
        member = Membership(
            UUID(item["project_id"]), int(item["joined_version"]), iso_date(item["joined_on"])
        )
        known = latest.get(member.project_id)
        if known is None or known.joined_version < member.joined_version:
            latest[member.project_id] = member
    return sorted(latest.values(), key=lambda m: (m.joined_on, m.joined_version))


def projects_named(row: Any) -> set[UUID]:
    """Every project a program's row names: its members and both ends of its dependencies."""
    named = {UUID(m["project_id"]) for m in row.members}
    for d in row.dependencies:
        named |= {UUID(d["dependent"]), UUID(d["prerequisite"])}
    return named


def pool_changes(data: Iterable[Sequence[Any]]) -> list[PoolChange]:
    """The pool's changes: [effective_on, version, change, amount]."""
    return [PoolChange(iso_date(on), int(v), kind, Decimal(amount)) for on, v, kind, amount in data]


def allocation_legs(data: Iterable[Sequence[Any]]) -> list[AllocationLeg]:
    """The allocations' legs: [project_id, version, amount]."""
    return [AllocationLeg(UUID(p), int(v), Decimal(amount)) for p, v, amount in data]


@dataclass(frozen=True, slots=True)
class BenefitFact:
    """What a benefit is: its name, what is measured in which unit, its target by a date,
    and the day of the latest realisation reported by the status date (None before one)."""

    benefit_id: UUID
    name: str
    measure: str
    unit: str
    target_date: date
    realised_as_of: date | None


def benefit_reports(
    data: Sequence[Mapping[str, Any]], owners: Sequence[str] | None
) -> list[tuple[BenefitFact, str, benefits.BenefitProgress]]:
    """Each benefit, its owner (as opened; not shown when `owners` is None) and its progress."""
    shown = owners if owners is not None else [NOT_OPENED] * len(data)
    out = []
    for item, owner in zip(data, shown, strict=True):
        realised = None if item["realised"] is None else Decimal(item["realised"])
        as_of = None if item["realised_as_of"] is None else iso_date(item["realised_as_of"])
        fact = BenefitFact(
            UUID(item["benefit_id"]),
            item["name"],
            item["measure"],
            item["unit"],
            iso_date(item["target_date"]),
            as_of,
        )
        target = Decimal(item["target"])
        benefit = benefits.progress(fact.benefit_id, target=target, realised=realised)
        out.append((fact, owner, benefit))
    return out


def schedule(project: ProjectReport | None) -> dependencies.Schedule | None:
    """What the dependency risk needs of a project's report (None: reporting does not know
    the project yet)."""
    if project is None:
        return None
    baseline, metrics = project.baseline, project.metrics
    return dependencies.Schedule(
        planned_start=baseline.planned_start if baseline else None,
        planned_finish=baseline.planned_finish if baseline else None,
        spi=metrics.spi,
        health=metrics.health.overall,
    )


def assessed(
    data: Iterable[Mapping[str, Any]],
    *,
    members: Sequence[Membership],
    projects: Mapping[UUID, ProjectReport],
) -> list[dependencies.Assessment]:
    """The risk of each dependency of a member (the prerequisite need not be one)."""
    member_ids = {m.project_id for m in members}
    out = []
    for item in data:
        dependency = dependencies.Dependency(
            UUID(item["dependency_id"]),
            UUID(item["dependent"]),
            UUID(item["prerequisite"]),
            item["kind"],
        )
        if dependency.dependent not in member_ids:
            continue
        out.append(
            dependencies.assess(
                dependency,
                dependent=schedule(projects.get(dependency.dependent)),
                prerequisite=schedule(projects.get(dependency.prerequisite)),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class ResourceFact:
    """A resource of the pool as recorded (its person sealed, as stored)."""

    resource_id: UUID
    kind: str
    person: Any
    role: str | None
    capacity: Decimal


def resource_fact(row: Any) -> ResourceFact:
    """A resource row as a fact."""
    return ResourceFact(row.resource_id, row.kind, row.person, row.role, Decimal(row.capacity))


def label(resource: ResourceFact, person: Any) -> str:
    """What a resource is called: its person (as opened), else its role, else its id."""
    if isinstance(person, str) and person:
        return person
    return resource.role or f"resource {str(resource.resource_id)[:8]}"


def _membership_of(row: Any, memberships: Sequence[Any]) -> Any | None:
    """The membership an assignment was made in: its project's latest begun before it."""
    before = [
        m for m in memberships if m.project_id == row.project_id and m.joined_version < row.version
    ]
    return max(before, key=lambda m: m.joined_version, default=None)


def assignments_in_force(
    rows: Iterable[Any], *, memberships: Sequence[Any]
) -> list[utilisation.Assignment]:
    """The assignments in force at the status date, as program-svc keeps them: not released;
    of a membership that had ended by then, cut at the week it ended (gone if it had not
    begun by then)."""
    out = []
    for row in rows:
        membership = _membership_of(row, memberships)
        if membership is None:
            continue
        base = utilisation.Assignment(
            row.assignment_id,
            row.resource_id,
            row.project_id,
            Decimal(row.hours),
            row.first_week,
            row.last_week,
        )
        changes = [
            utilisation.Change(int(v), kind, None if h is None else Decimal(h), last)
            for v, kind, h, last in row.changes
        ]
        current = utilisation.in_force(base, changes)
        if current is not None and membership.left_on is not None:
            current = utilisation.ended_with(current, left_on=membership.left_on)
        if current is not None:
            out.append(current)
    return out


def weeks_asked(
    assignments: Sequence[utilisation.Assignment], *, first: str | None, last: str | None
) -> tuple[list[str], bool]:
    """The weeks a utilisation answers for: from `first` to `last` (by default the first
    and last week the assignments cover), at most `MAX_WEEKS`; and whether it was cut."""
    covered = utilisation.span(assignments)
    start = first or (covered[0] if covered else None) or last
    end = last or (covered[1] if covered else None) or first
    if start is None or end is None or end < start:
        return [], False
    weeks = [w for w in utilisation.weeks_from(start, count=utilisation.MAX_WEEKS + 1) if w <= end]
    return weeks[: utilisation.MAX_WEEKS], len(weeks) > utilisation.MAX_WEEKS
