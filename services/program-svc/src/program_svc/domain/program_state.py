"""What a program is, as its events made it: the state, its queries and the fold. The decisions
live in `program.Program` and the command modules it is made of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from uuid import UUID

from pmo_shared.domain.aggregate import Aggregate, applies
from program_svc.domain import capacity
from program_svc.domain import events as ev
from program_svc.domain.parts import (
    Assignment,
    Benefit,
    BenefitReport,
    BenefitsRealisation,
    Dependency,
    Member,
    Resource,
)
from program_svc.domain.values import ProgramStatus, week_of

S = ProgramStatus


class ProgramState(Aggregate):
    """A program's facts, changed only by applying its events."""

    stream_type = ev.PROGRAM

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.status = S.PROPOSED
        self.code = self.name = self.area = self.description = ""
        self.manager = self.sponsor = self.currency = ""
        self.proposed_on: date | None = None
        self.status_since: date | None = None  # the business date the status took effect
        self.activated_by: str | None = None
        self.activated_on: date | None = None
        self.hold_reason: str | None = None
        self.cancel_reason: str | None = None
        self.pool = Decimal(0)
        self._members: dict[UUID, Member] = {}
        self._allocations: dict[UUID, Decimal] = {}
        self._resources: dict[UUID, Resource] = {}
        self._assignments: dict[UUID, Assignment] = {}
        self._retired_assignments: set[UUID] = set()  # released, or never begun when removed
        self._benefits: dict[UUID, Benefit] = {}
        self._dependencies: dict[UUID, Dependency] = {}

    # -- queries -------------------------------------------------------------------------
    @property
    def members(self) -> frozenset[UUID]:
        """The member projects."""
        return frozenset(self._members)

    @property
    def member_since(self) -> Mapping[UUID, date]:
        """Each member and the day it joined, in the order they joined."""
        return MappingProxyType({pid: m.joined_on for pid, m in self._members.items()})

    @property
    def allocations(self) -> Mapping[UUID, Decimal]:
        """Each member's allocation from the pool (members that never had one are absent)."""
        return MappingProxyType(self._allocations)

    @property
    def allocated(self) -> Decimal:
        """The sum of the allocations."""
        return sum(self._allocations.values(), Decimal(0))

    @property
    def available(self) -> Decimal:
        """What the pool has left to allocate."""
        return self.pool - self.allocated

    @property
    def resources(self) -> Mapping[UUID, Resource]:
        """The resource pool."""
        return MappingProxyType(self._resources)

    @property
    def assignments(self) -> Mapping[UUID, Assignment]:
        """The assignments that book weeks (released ones are gone)."""
        return MappingProxyType(self._assignments)

    @property
    def benefits(self) -> Mapping[UUID, Benefit]:
        """The benefits planned, each with its realisation (`Benefit.realisation_percent`)."""
        return MappingProxyType(self._benefits)

    @property
    def benefits_realisation(self) -> BenefitsRealisation:
        """The program's realisation: share of benefits at target, mean of their percentages."""
        return BenefitsRealisation.of(self._benefits.values())

    @property
    def dependencies(self) -> Mapping[UUID, Dependency]:
        """The dependencies between members."""
        return MappingProxyType(self._dependencies)

    def assignments_of(self, resource_id: UUID) -> dict[UUID, Assignment]:
        """The assignments of one resource."""
        return {aid: a for aid, a in self._assignments.items() if a.resource_id == resource_id}

    def booked_hours(
        self, resource_id: UUID, *, first_week: str | None = None, last_week: str | None = None
    ) -> Mapping[str, Decimal]:
        """Hours a resource is booked per ISO week (weeks with bookings, in order), optionally
        only within `first_week..last_week`."""
        return capacity.booked_hours(
            self.assignments_of(resource_id).values(), first_week=first_week, last_week=last_week
        )

    # -- the fold: lifecycle -------------------------------------------------------------
    @applies(ev.ProgramProposed)
    def _on_program_proposed(self, e: ev.ProgramProposed) -> None:
        self.code, self.name, self.area, self.description = e.code, e.name, e.area, e.description
        self.manager, self.sponsor, self.currency = e.manager, e.sponsor, e.currency
        self.proposed_on = self.status_since = e.proposed_on

    @applies(ev.ProgramActivated)
    def _on_program_activated(self, e: ev.ProgramActivated) -> None:
        self.status, self.activated_by = S.ACTIVE, e.activated_by
        self.activated_on = self.status_since = e.effective_on

    @applies(ev.ProgramPutOnHold)
    def _on_program_put_on_hold(self, e: ev.ProgramPutOnHold) -> None:
        self.status, self.hold_reason, self.status_since = S.ON_HOLD, e.reason, e.effective_on

    @applies(ev.ProgramResumed)
    def _on_program_resumed(self, e: ev.ProgramResumed) -> None:
        self.status, self.hold_reason, self.status_since = S.ACTIVE, None, e.effective_on

    @applies(ev.ProgramClosed)
    def _on_program_closed(self, e: ev.ProgramClosed) -> None:
        self.status, self.status_since = S.CLOSED, e.effective_on

    @applies(ev.ProgramCancelled)
    def _on_program_cancelled(self, e: ev.ProgramCancelled) -> None:
        self.status, self.cancel_reason = S.CANCELLED, e.reason
        self.status_since = e.effective_on

    # -- the fold: members and funds -------------------------------------------------------
    @applies(ev.MemberProjectAdded)
    def _on_member_project_added(self, e: ev.MemberProjectAdded) -> None:
        self._members[e.project_id] = Member(e.effective_on)

    @applies(ev.MemberProjectRemoved)
    def _on_member_project_removed(self, e: ev.MemberProjectRemoved) -> None:
        """Its allocation returns to the pool; its assignments end with the week it left (one
        not begun by then no longer counts at all)."""
        del self._members[e.project_id]
        self._allocations.pop(e.project_id, None)
        left = week_of(e.effective_on)
        for aid, assignment in list(self._assignments.items()):
            if assignment.project_id != e.project_id or assignment.last_week <= left:
                continue
            if assignment.first_week > left:
                del self._assignments[aid]
                self._retired_assignments.add(aid)
            else:
                self._assignments[aid] = replace(assignment, last_week=left)

    @applies(ev.FundingPoolSet)
    def _on_funding_pool_set(self, e: ev.FundingPoolSet) -> None:
        self.pool = e.amount

    @applies(ev.FundingPoolIncreased)
    def _on_funding_pool_increased(self, e: ev.FundingPoolIncreased) -> None:
        self.pool += e.amount

    @applies(ev.FundingPoolDecreased)
    def _on_funding_pool_decreased(self, e: ev.FundingPoolDecreased) -> None:
        self.pool -= e.amount

    @applies(ev.FundsAllocated)
    def _on_funds_allocated(self, e: ev.FundsAllocated) -> None:
        self._allocations[e.project_id] = self._allocations.get(e.project_id, Decimal(0)) + e.amount

    @applies(ev.FundsReallocated)
    def _on_funds_reallocated(self, e: ev.FundsReallocated) -> None:
        self._allocations[e.from_project_id] -= e.amount
        self._allocations[e.to_project_id] = (
            self._allocations.get(e.to_project_id, Decimal(0)) + e.amount
        )

    # -- the fold: resources ---------------------------------------------------------------
    @applies(ev.ResourceAdded)
    def _on_resource_added(self, e: ev.ResourceAdded) -> None:
        self._resources[e.resource_id] = Resource(
            e.kind, e.person, e.role, e.skills, e.weekly_capacity_hours, e.cost_rate, e.effective_on
        )

    @applies(ev.ResourceAssigned)
    def _on_resource_assigned(self, e: ev.ResourceAssigned) -> None:
        self._assignments[e.assignment_id] = Assignment(
            e.resource_id, e.project_id, e.hours_per_week, e.first_week, e.last_week, e.effective_on
        )

    @applies(ev.AssignmentHoursChanged)
    def _on_assignment_hours_changed(self, e: ev.AssignmentHoursChanged) -> None:
        assignment = self._assignments[e.assignment_id]
        self._assignments[e.assignment_id] = replace(assignment, hours_per_week=e.hours_per_week)

    @applies(ev.AssignmentEndedEarly)
    def _on_assignment_ended_early(self, e: ev.AssignmentEndedEarly) -> None:
        assignment = self._assignments[e.assignment_id]
        self._assignments[e.assignment_id] = replace(assignment, last_week=e.last_week)

    @applies(ev.AssignmentReleased)
    def _on_assignment_released(self, e: ev.AssignmentReleased) -> None:
        del self._assignments[e.assignment_id]
        self._retired_assignments.add(e.assignment_id)

    # -- the fold: benefits and dependencies ----------------------------------------------
    @applies(ev.BenefitPlanned)
    def _on_benefit_planned(self, e: ev.BenefitPlanned) -> None:
        self._benefits[e.benefit_id] = Benefit(
            e.name, e.measure, e.unit, e.target_value, e.target_date, e.owner, e.effective_on
        )

    @applies(ev.BenefitRealisationReported)
    def _on_benefit_realisation_reported(self, e: ev.BenefitRealisationReported) -> None:
        benefit = self._benefits[e.benefit_id]
        reports = (*benefit.reports, BenefitReport(e.value, e.as_of))
        self._benefits[e.benefit_id] = replace(benefit, reports=reports)

    @applies(ev.DependencyAdded)
    def _on_dependency_added(self, e: ev.DependencyAdded) -> None:
        self._dependencies[e.dependency_id] = Dependency(
            e.dependent_project_id,
            e.prerequisite_project_id,
            e.kind,
            e.deliverable,
            e.effective_on,
        )

    @applies(ev.DependencyRemoved)
    def _on_dependency_removed(self, e: ev.DependencyRemoved) -> None:
        del self._dependencies[e.dependency_id]
