"""Resources, assignments, benefits and dependencies through the bus: each added part answers
with its new id, dates default to the tenant's today, and only the program's manager or the
PMO changes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pmo_shared.application.errors import ForbiddenError
from pmo_shared.domain.errors import NotFoundError
from program_svc.application import commands as c
from program_svc.domain.errors import DependencyCycleError, OverbookedError
from program_svc.domain.values import DependencyKind, ResourceKind

from .program_world import MAX, MIA, TODAY, World, with_members


async def test_a_resource_is_added_and_assigned_within_its_capacity(world: World) -> None:
    program, (a, b) = await with_members(world)

    added = await world.run(
        c.AddResource(
            program_id=program.id,
            kind=ResourceKind.PERSON,
            person="dev-dora",
            skills=("python", "sql"),
            weekly_capacity_hours=Decimal(40),
            cost_rate=Decimal("85.50"),
        ),
        by=MIA,
    )
    resource = added.aggregate.resources[added.id]
    assert (resource.person, resource.added_on, resource.cost_rate) == (
        "dev-dora",
        TODAY,
        Decimal("85.50"),
    )
    first = await world.run(
        c.AssignResource(
            program_id=program.id,
            resource_id=added.id,
            project_id=a,
            hours_per_week=Decimal(24),
            first_week="2026-W20",
            last_week="2026-W30",
        ),
        by=MIA,
    )

    with pytest.raises(OverbookedError):
        await world.run(
            c.AssignResource(
                program_id=program.id,
                resource_id=added.id,
                project_id=b,
                hours_per_week=Decimal(20),
                first_week="2026-W30",
                last_week="2026-W31",
            )
        )
    assert dict(first.aggregate.booked_hours(added.id, last_week="2026-W21")) == {
        "2026-W20": Decimal(24),
        "2026-W21": Decimal(24),
    }
    changed = await world.run(
        c.ChangeAssignmentHours(
            program_id=program.id, assignment_id=first.id, hours_per_week=Decimal(16)
        )
    )
    assert changed.assignments[first.id].hours_per_week == Decimal(16)
    ended = await world.run(
        c.EndAssignmentEarly(program_id=program.id, assignment_id=first.id, last_week="2026-W25")
    )
    assert ended.assignments[first.id].last_week == "2026-W25"
    released = await world.run(c.ReleaseAssignment(program_id=program.id, assignment_id=first.id))
    assert first.id not in released.assignments


async def test_another_program_manager_may_not_add_a_resource(world: World) -> None:
    program, _ = await with_members(world)

    with pytest.raises(ForbiddenError):
        await world.run(
            c.AddResource(
                program_id=program.id,
                kind=ResourceKind.ROLE,
                role="tester",
                weekly_capacity_hours=Decimal(40),
            ),
            by=MAX,
        )


async def test_a_benefit_is_planned_and_its_realisation_reported(world: World) -> None:
    program, _ = await with_members(world)
    planned = await world.run(
        c.PlanBenefit(
            program_id=program.id,
            name="Faster payroll",
            measure="hours saved per run",
            unit="h",
            target_value=Decimal(200),
            target_date=date(2027, 6, 30),
            owner="cfo-bob",
        )
    )

    reported = await world.run(
        c.ReportBenefitRealisation(program_id=program.id, benefit_id=planned.id, value=Decimal(150))
    )

    benefit = reported.benefits[planned.id]
    assert benefit.planned_on == TODAY
    assert benefit.realisation_percent == Decimal(75)
    assert benefit.latest is not None
    assert benefit.latest.as_of == TODAY
    with pytest.raises(NotFoundError):
        await world.run(
            c.ReportBenefitRealisation(
                program_id=program.id, benefit_id=program.id, value=Decimal(1)
            )
        )


async def test_dependencies_stay_acyclic_and_can_be_removed(world: World) -> None:
    program, (a, b) = await with_members(world)
    added = await world.run(
        c.AddDependency(
            program_id=program.id,
            dependent_project_id=a,
            prerequisite_project_id=b,
            kind=DependencyKind.FINISH_TO_START,
        )
    )

    with pytest.raises(DependencyCycleError):
        await world.run(
            c.AddDependency(
                program_id=program.id,
                dependent_project_id=b,
                prerequisite_project_id=a,
                kind=DependencyKind.DELIVERABLE,
                deliverable="API spec",
            )
        )
    removed = await world.run(c.RemoveDependency(program_id=program.id, dependency_id=added.id))
    assert removed.dependencies == {}
    assert world.types(program.id)[-2:] == ["DependencyAdded", "DependencyRemoved"]
