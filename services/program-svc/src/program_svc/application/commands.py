"""Every command program-svc takes, named for what it asks: frozen dataclasses, each a
`Command[R]` whose handler (in `handlers`) returns an `R`.

Commands on an existing program carry its `program_id` and, from If-Match, the
`expected_version` the caller last read (None: no precondition). A business date left None is
the tenant's today (the bus's clock); a date given may not lie after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from pmo_shared.application.handlers import Added, Command
from program_svc.domain.program import Program
from program_svc.domain.values import DependencyKind, ResourceKind


@dataclass(frozen=True, kw_only=True)
class ProposeProgram(Command[Program]):
    code: str
    name: str
    area: str
    manager: str
    sponsor: str
    currency: str
    description: str = ""
    proposed_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class OnProgram:
    """The program a command is for, at the version the caller expects."""

    program_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class Dated:
    """A command that takes effect on a business date (the tenant's today when None)."""

    effective_on: date | None = None


# -- lifecycle -----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ActivateProgram(OnProgram, Dated, Command[Program]):
    pass


@dataclass(frozen=True, kw_only=True)
class HoldProgram(OnProgram, Dated, Command[Program]):
    reason: str


@dataclass(frozen=True, kw_only=True)
class ResumeProgram(OnProgram, Dated, Command[Program]):
    pass


@dataclass(frozen=True, kw_only=True)
class CloseProgram(OnProgram, Dated, Command[Program]):
    pass


@dataclass(frozen=True, kw_only=True)
class CancelProgram(OnProgram, Dated, Command[Program]):
    reason: str


# -- member projects -----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class AddMemberProject(OnProgram, Dated, Command[Program]):
    project_id: UUID


@dataclass(frozen=True, kw_only=True)
class RemoveMemberProject(OnProgram, Dated, Command[Program]):
    project_id: UUID
    reason: str = ""


# -- the funding pool ----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SetFundingPool(OnProgram, Dated, Command[Program]):
    amount: Decimal
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class IncreaseFundingPool(OnProgram, Dated, Command[Program]):
    amount: Decimal
    reason: str


@dataclass(frozen=True, kw_only=True)
class DecreaseFundingPool(OnProgram, Dated, Command[Program]):
    amount: Decimal
    reason: str


@dataclass(frozen=True, kw_only=True)
class AllocateFunds(OnProgram, Dated, Command[Program]):
    project_id: UUID
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class ReallocateFunds(OnProgram, Dated, Command[Program]):
    from_project_id: UUID
    to_project_id: UUID
    amount: Decimal
    reason: str = ""


# -- the resource pool ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class AddResource(OnProgram, Dated, Command[Added[Program]]):
    kind: ResourceKind
    weekly_capacity_hours: Decimal
    person: str | None = None
    role: str | None = None
    skills: tuple[str, ...] = ()
    cost_rate: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class AssignResource(OnProgram, Dated, Command[Added[Program]]):
    resource_id: UUID
    project_id: UUID
    hours_per_week: Decimal
    first_week: str
    last_week: str


@dataclass(frozen=True, kw_only=True)
class ChangeAssignmentHours(OnProgram, Dated, Command[Program]):
    assignment_id: UUID
    hours_per_week: Decimal


@dataclass(frozen=True, kw_only=True)
class EndAssignmentEarly(OnProgram, Dated, Command[Program]):
    assignment_id: UUID
    last_week: str


@dataclass(frozen=True, kw_only=True)
class ReleaseAssignment(OnProgram, Dated, Command[Program]):
    assignment_id: UUID


# -- benefits ------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class PlanBenefit(OnProgram, Dated, Command[Added[Program]]):
    name: str
    measure: str
    unit: str
    target_value: Decimal
    target_date: date
    owner: str


@dataclass(frozen=True, kw_only=True)
class ReportBenefitRealisation(OnProgram, Command[Program]):
    benefit_id: UUID
    value: Decimal
    as_of: date | None = None


# -- dependencies between members ----------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class AddDependency(OnProgram, Dated, Command[Added[Program]]):
    dependent_project_id: UUID
    prerequisite_project_id: UUID
    kind: DependencyKind
    deliverable: str | None = None


@dataclass(frozen=True, kw_only=True)
class RemoveDependency(OnProgram, Dated, Command[Program]):
    dependency_id: UUID
