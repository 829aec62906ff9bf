"""The shared resource pool: people and roles with a weekly capacity, assigned to members for
hours per ISO week. In no week is a resource booked beyond its capacity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from uuid import UUID

from pmo_shared.domain.errors import InvalidValueError, NotFoundError, RuleViolationError
from pmo_shared.domain.values import check_amount
from program_svc.domain import events as ev
from program_svc.domain.capacity import overbooked_weeks
from program_svc.domain.errors import AlreadyExistsError, OverbookedError
from program_svc.domain.guards import ProgramGuards, hours, required_text, week
from program_svc.domain.parts import Assignment
from program_svc.domain.values import ResourceKind


class ResourcePoolCommands(ProgramGuards):
    """The commands of the resource pool."""

    def add_resource(
        self,
        resource_id: UUID,
        *,
        kind: ResourceKind,
        person: str | None = None,
        role: str | None = None,
        skills: Iterable[str] = (),
        weekly_capacity_hours: Decimal,
        cost_rate: Decimal | None = None,
        on: date,
    ) -> None:
        """Add a person (their user id, at most once) or a role to the pool, with skills, a
        weekly capacity and optionally a cost rate per hour in the program's currency."""
        self._require("add a resource")
        self._dated(on, "resource date")
        if resource_id in self._resources:
            raise AlreadyExistsError("resource", resource_id)
        self._check_who(kind, person, role)
        capacity = hours(weekly_capacity_hours, "weekly capacity")
        if cost_rate is not None:
            cost_rate = check_amount(cost_rate, self.currency, what="cost rate")
            if cost_rate < 0:
                raise InvalidValueError(f"a cost rate cannot be negative, not {cost_rate}")
        self.record(
            ev.ResourceAdded(
                resource_id=resource_id,
                kind=kind,
                person=person,
                role=role,
                skills=_skills(skills),
                weekly_capacity_hours=capacity,
                cost_rate=cost_rate,
                effective_on=on,
            )
        )

    def assign(
        self,
        assignment_id: UUID,
        *,
        resource_id: UUID,
        project_id: UUID,
        hours_per_week: Decimal,
        first_week: str,
        last_week: str,
        on: date,
    ) -> None:
        """Book a resource for a member, hours per week over `first_week..last_week`."""
        self._require("assign a resource")
        self._dated(on, "assignment date")
        if assignment_id in self._assignments or assignment_id in self._retired_assignments:
            raise AlreadyExistsError("assignment", assignment_id)
        self._resource(resource_id)
        self._member(project_id, "assign a resource")
        hours_per_week = hours(hours_per_week, "hours per week")
        week(first_week, "first week")
        week(last_week, "last week")
        if last_week < first_week:
            raise InvalidValueError(f"last week {last_week} is before first week {first_week}")
        self._within_capacity(resource_id, first_week, last_week, hours_per_week)
        self.record(
            ev.ResourceAssigned(
                assignment_id=assignment_id,
                resource_id=resource_id,
                project_id=project_id,
                hours_per_week=hours_per_week,
                first_week=first_week,
                last_week=last_week,
                effective_on=on,
            )
        )

    def change_hours(self, assignment_id: UUID, *, hours_per_week: Decimal, on: date) -> None:
        """Change an assignment's hours per week, for all its weeks."""
        self._require("change an assignment's hours")
        self._dated(on, "date of the change")
        assignment = self._assignment(assignment_id, "change an assignment's hours")
        hours_per_week = hours(hours_per_week, "hours per week")
        self._within_capacity(
            assignment.resource_id,
            assignment.first_week,
            assignment.last_week,
            hours_per_week,
            leaving_out=assignment_id,
        )
        self.record(
            ev.AssignmentHoursChanged(
                assignment_id=assignment_id, hours_per_week=hours_per_week, effective_on=on
            )
        )

    def end_early(self, assignment_id: UUID, *, last_week: str, on: date) -> None:
        """End an assignment with `last_week`: one of its weeks, before its last one."""
        self._require("end an assignment early")
        self._dated(on, "date of the change")
        assignment = self._assignment(assignment_id, "end an assignment early")
        week(last_week, "last week")
        if not assignment.first_week <= last_week < assignment.last_week:
            raise InvalidValueError(
                f"an assignment of {assignment.first_week}..{assignment.last_week} ends early "
                f"with a week from {assignment.first_week} to before {assignment.last_week}, "
                f"not {last_week}"
            )
        self.record(
            ev.AssignmentEndedEarly(
                assignment_id=assignment_id, last_week=last_week, effective_on=on
            )
        )

    def release(self, assignment_id: UUID, *, on: date) -> None:
        """Release an assignment: none of its weeks count any more."""
        self._require("release an assignment")
        self._dated(on, "release date")
        self._assignment(assignment_id, "release an assignment", of_a_member=False)
        self.record(ev.AssignmentReleased(assignment_id=assignment_id, effective_on=on))

    # -- rules -----------------------------------------------------------------------------
    def _check_who(self, kind: ResourceKind, person: str | None, role: str | None) -> None:
        if kind == ResourceKind.PERSON:
            required_text(person, "a person resource's user id (person)")
            for rid, resource in self._resources.items():
                if resource.person == person:
                    raise RuleViolationError(f"{person} is already in the pool as resource {rid}")
        else:
            required_text(role, "a role resource's role")
            if person is not None:
                raise InvalidValueError("a role resource names no person")

    def _resource(self, resource_id: UUID) -> None:
        if resource_id not in self._resources:
            raise NotFoundError(f"resource {resource_id} not found")

    def _assignment(
        self, assignment_id: UUID, action: str, *, of_a_member: bool = True
    ) -> Assignment:
        """A live assignment; one of a project no longer a member only to release it."""
        if assignment_id in self._retired_assignments:
            raise RuleViolationError(f"assignment {assignment_id} was released")
        assignment = self._assignments.get(assignment_id)
        if assignment is None:
            raise NotFoundError(f"assignment {assignment_id} not found")
        if of_a_member:
            self._member(assignment.project_id, action)
        return assignment

    def _within_capacity(
        self,
        resource_id: UUID,
        first_week: str,
        last_week: str,
        hours_per_week: Decimal,
        *,
        leaving_out: UUID | None = None,
    ) -> None:
        """Refuse (409, naming each week and the excess) a booking beyond the capacity."""
        capacity = self._resources[resource_id].weekly_capacity_hours
        others = [a for aid, a in self.assignments_of(resource_id).items() if aid != leaving_out]
        weeks = overbooked_weeks(
            others,
            first_week=first_week,
            last_week=last_week,
            hours=hours_per_week,
            capacity=capacity,
        )
        if weeks:
            raise OverbookedError(resource_id=resource_id, capacity_hours=capacity, weeks=weeks)


def _skills(skills: Iterable[str]) -> tuple[str, ...]:
    """Skills without blanks or repeats, in the order given."""
    kept: dict[str, None] = {}
    for skill in skills:
        kept.setdefault(required_text(skill, "a skill").strip(), None)
    return tuple(kept)
