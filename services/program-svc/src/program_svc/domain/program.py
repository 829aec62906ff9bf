"""The Program aggregate: a group of related projects that deliver value for one area, sharing
a funding pool and a resource pool, planning benefits and tracking dependencies between them.

Lifecycle: proposed → active ⇄ on_hold → closed; cancelled from any open state. A closed or
cancelled program takes no command. The program's manager never activates it (segregation of
duties). Every command takes its business date: no fact is dated before the proposal, and a
lifecycle change is not dated before the change it follows.

What the aggregate cannot know is the caller's to pass in: the currency of a project that joins,
the members' statuses when closing, a member's actual cost when funds move away from it (all
from program-svc's reference table of projects). That a project exists, belongs to the tenant
and to at most one program is the application's check.

The commands of the pools, benefits and dependencies are in `funding`, `resource_pool` and
`outcomes`; the state and the fold in `program_state`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from uuid import UUID

from pmo_shared.domain.errors import NotFoundError
from pmo_shared.domain.values import minor_unit
from program_svc.domain import events as ev
from program_svc.domain.errors import (
    AlreadyExistsError,
    CurrencyMismatchError,
    OpenMembersError,
    SelfActivationError,
)
from program_svc.domain.funding import FundingCommands
from program_svc.domain.guards import OPEN, required_text
from program_svc.domain.outcomes import BenefitCommands, DependencyCommands
from program_svc.domain.resource_pool import ResourcePoolCommands
from program_svc.domain.values import ProgramStatus

S = ProgramStatus
ENDED_PROJECT_STATUSES = frozenset({"completed", "cancelled", "closed"})
"""The project statuses a member may have when its program closes."""
UNKNOWN_STATUS = "unknown"


class Program(FundingCommands, ResourcePoolCommands, BenefitCommands, DependencyCommands):
    """A program: its commands check the rules, then record events."""

    # -- lifecycle -----------------------------------------------------------------------
    @classmethod
    def propose(
        cls,
        program_id: UUID,
        *,
        code: str,
        name: str,
        area: str,
        description: str = "",
        manager: str,
        sponsor: str,
        currency: str,
        on: date,
    ) -> Program:
        """Propose a program for an area, in one ISO 4217 currency that has a minor unit."""
        minor_unit(currency)
        program = cls(program_id)
        program.record(
            ev.ProgramProposed(
                program_id=program_id,
                code=code,
                name=name,
                area=area,
                description=description,
                manager=manager,
                sponsor=sponsor,
                currency=currency,
                proposed_on=on,
            )
        )
        return program

    def activate(self, *, by: str, on: date) -> None:
        """Activate a proposed program: by anyone but its manager (403)."""
        self._require("activate", (S.PROPOSED,))
        if by == self.manager:
            raise SelfActivationError(program_code=self.code)
        self._lifecycle_date(on, "activation date")
        self.record(ev.ProgramActivated(activated_by=by, effective_on=on))

    def put_on_hold(self, *, reason: str, on: date) -> None:
        """Pause an active program, saying why."""
        self._require("put on hold", (S.ACTIVE,))
        required_text(reason, "the reason of a hold")
        self._lifecycle_date(on, "hold date")
        self.record(ev.ProgramPutOnHold(reason=reason, effective_on=on))

    def resume(self, *, on: date) -> None:
        """Resume a paused program."""
        self._require("resume", (S.ON_HOLD,))
        self._lifecycle_date(on, "resumption date")
        self.record(ev.ProgramResumed(effective_on=on))

    def close(self, *, member_statuses: Mapping[UUID, str], on: date) -> None:
        """Close an active program once every member is completed, cancelled or closed
        (`member_statuses`: each member's project status; a member missing is unknown, so
        open). Removed members do not count."""
        self._require("close", (S.ACTIVE,))
        still_open = [
            (pid, member_statuses.get(pid, UNKNOWN_STATUS))
            for pid in self._members
            if member_statuses.get(pid) not in ENDED_PROJECT_STATUSES
        ]
        if still_open:
            raise OpenMembersError(still_open)
        self._lifecycle_date(on, "closing date")
        self.record(ev.ProgramClosed(effective_on=on))

    def cancel(self, *, reason: str, on: date) -> None:
        """Stop an open program before it delivered, saying why."""
        self._require("cancel", OPEN)
        required_text(reason, "the reason of a cancellation")
        self._lifecycle_date(on, "cancellation date")
        self.record(ev.ProgramCancelled(reason=reason, effective_on=on))

    # -- members -------------------------------------------------------------------------
    def add_member(self, project_id: UUID, *, currency: str, on: date) -> None:
        """Take a project in the program's currency (`currency`: the project's) as a member."""
        self._require("add a member")
        self._dated(on, "joining date")
        if project_id in self._members:
            raise AlreadyExistsError("member project", project_id)
        if currency != self.currency:
            raise CurrencyMismatchError(
                project_id=project_id, project_currency=currency, program_currency=self.currency
            )
        self.record(ev.MemberProjectAdded(project_id=project_id, effective_on=on))

    def remove_member(self, project_id: UUID, *, reason: str = "", on: date) -> None:
        """Remove a member: its allocation returns to the pool, its assignments end with the
        week it leaves (one not begun by then no longer counts), and each dependency it is a
        party to is removed first (recorded as `DependencyRemoved`)."""
        self._require("remove a member")
        self._dated(on, "removal date")
        if project_id not in self._members:
            raise NotFoundError(f"project {project_id} is not a member of the program")
        for dependency_id, dependency in list(self._dependencies.items()):
            if project_id in (dependency.dependent_project_id, dependency.prerequisite_project_id):
                self.record(ev.DependencyRemoved(dependency_id=dependency_id, effective_on=on))
        self.record(ev.MemberProjectRemoved(project_id=project_id, reason=reason, effective_on=on))
