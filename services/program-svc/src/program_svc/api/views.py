"""Programs to response bodies. Every amount is the canonical string of the program's currency
(`pmo_shared.domain.values.canonical`: exactly its ISO 4217 minor unit of decimals); hours are
plain decimals; a resource's bookings are stretches of weeks, so an assignment over years is a
line, not a list of every week."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Context, Decimal
from itertools import pairwise
from uuid import UUID

from pmo_shared.domain.values import canonical
from program_svc.api import schemas
from program_svc.domain.parts import Assignment, Benefit, Resource
from program_svc.domain.program import Program
from program_svc.domain.values import hours_text, week_at, week_index

PERCENT_PLACES = Decimal("0.01")
_WIDE = Context(prec=60)  # quantizing never runs out of digits


def program_read(p: Program) -> schemas.ProgramRead:
    """The full representation of a program."""
    money = p.currency
    realisation = p.benefits_realisation
    return schemas.ProgramRead(
        program_id=p.id,
        version=p.version,
        code=p.code,
        name=p.name,
        area=p.area,
        description=p.description,
        manager=p.manager,
        sponsor=p.sponsor,
        currency=p.currency,
        status=p.status,
        status_since=p.status_since,
        proposed_on=p.proposed_on,
        activated_by=p.activated_by,
        activated_on=p.activated_on,
        hold_reason=p.hold_reason,
        cancel_reason=p.cancel_reason,
        funding=schemas.FundingRead(
            pool=canonical(p.pool, money),
            allocated=canonical(p.allocated, money),
            unallocated=canonical(p.pool - p.allocated, money),
        ),
        members=[
            schemas.MemberRead(
                project_id=pid,
                joined_on=joined,
                allocation=canonical(p.allocations.get(pid, Decimal(0)), money),
            )
            for pid, joined in p.member_since.items()
        ],
        resources=[_resource(rid, r, p) for rid, r in p.resources.items()],
        assignments=[_assignment(aid, a) for aid, a in p.assignments.items()],
        benefits=[_benefit(bid, b) for bid, b in p.benefits.items()],
        benefits_realisation=schemas.RealisationRead(
            planned=realisation.planned,
            reported=realisation.reported,
            at_or_above_target=realisation.at_or_above_target,
            share_at_target_percent=_percent(realisation.share_at_target_percent),
            mean_percent=_percent(realisation.mean_percent),
        ),
        dependencies=[
            schemas.DependencyRead(
                dependency_id=did,
                dependent_project_id=d.dependent_project_id,
                prerequisite_project_id=d.prerequisite_project_id,
                kind=d.kind,
                deliverable=d.deliverable,
                added_on=d.added_on,
            )
            for did, d in p.dependencies.items()
        ],
    )


def _resource(resource_id: UUID, r: Resource, p: Program) -> schemas.ResourceRead:
    return schemas.ResourceRead(
        resource_id=resource_id,
        kind=r.kind,
        person=r.person,
        role=r.role,
        skills=list(r.skills),
        weekly_capacity_hours=hours_text(r.weekly_capacity_hours),
        cost_rate=None if r.cost_rate is None else canonical(r.cost_rate, p.currency),
        added_on=r.added_on,
        booked=booked_stretches(p.assignments_of(resource_id).values()),
    )


def _assignment(assignment_id: UUID, a: Assignment) -> schemas.AssignmentRead:
    return schemas.AssignmentRead(
        assignment_id=assignment_id,
        resource_id=a.resource_id,
        project_id=a.project_id,
        hours_per_week=hours_text(a.hours_per_week),
        first_week=a.first_week,
        last_week=a.last_week,
        assigned_on=a.assigned_on,
    )


def _benefit(benefit_id: UUID, b: Benefit) -> schemas.BenefitRead:
    latest = b.latest
    return schemas.BenefitRead(
        benefit_id=benefit_id,
        name=b.name,
        measure=b.measure,
        unit=b.unit,
        target_value=b.target_value,
        target_date=b.target_date,
        owner=b.owner,
        planned_on=b.planned_on,
        value=latest.value if latest else None,
        value_as_of=latest.as_of if latest else None,
        realisation_percent=_percent(b.realisation_percent),
        reached=b.reached,
    )


def booked_stretches(assignments: Iterable[Assignment]) -> list[schemas.BookedRead]:
    """The hours booked per week by `assignments`, as the stretches of consecutive weeks with
    the same total, in week order (weeks without a booking are left out)."""
    spans = [
        (week_index(a.first_week), week_index(a.last_week), a.hours_per_week) for a in assignments
    ]
    cuts = sorted({first for first, _, _ in spans} | {last + 1 for _, last, _ in spans})
    stretches: list[tuple[int, int, Decimal]] = []
    for start, end in pairwise(cuts):
        hours = sum((h for first, last, h in spans if first <= start <= last), Decimal(0))
        if not hours:
            continue
        if stretches and stretches[-1][1] == start - 1 and stretches[-1][2] == hours:
            stretches[-1] = (stretches[-1][0], end - 1, hours)
        else:
            stretches.append((start, end - 1, hours))
    return [
        schemas.BookedRead(
            first_week=week_at(first), last_week=week_at(last), hours_per_week=hours_text(hours)
        )
        for first, last, hours in stretches
    ]


def _percent(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(PERCENT_PLACES, rounding=ROUND_HALF_EVEN, context=_WIDE)
