"""Request and response bodies of the program-svc API (`XCreate` in, `XRead` out)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from pmo_shared.domain.values import (
    BUSINESS_DATE_RANGE,
    BusinessDate,
    CanonicalAmount,
    CurrencyCode,
    NonNegativeAmount,
    PositiveAmount,
)
from pmo_shared.web.requests import Name, Prose, RequestBody, UserRef
from program_svc.domain.values import DependencyKind, Hours, IsoWeek, ProgramStatus, ResourceKind

Reason = Annotated[str, Field(max_length=2000)]
MONEY_IN = (
    "money in the program's currency: at most its ISO 4217 minor unit of decimal places (EUR 2, "
    "JPY 0, BHD 3; trailing zeros do not count), else 422"
)
HOURS_IN = "hours per week: more than 0, at most 168, at most 2 decimal places"
HOURS_OUT = 'hours as a plain decimal string without trailing zeros ("40", "37.5")'
HoursText = Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$", description=HOURS_OUT)]
WEEK_IN = "an ISO 8601 week, YYYY-Www, that exists (2026-W53 does, 2027-W53 does not)"
Measure = Annotated[Decimal, Field(ge=0, max_digits=19, decimal_places=4, allow_inf_nan=False)]
Target = Annotated[Decimal, Field(gt=0, max_digits=19, decimal_places=4, allow_inf_nan=False)]
Skill = Annotated[Name, Field(max_length=100)]
TODAY_BY_DEFAULT = (
    "the business date it takes effect: not in the future, not before the program was "
    "proposed; defaults to today"
)


def effective_date(what: str = TODAY_BY_DEFAULT) -> Any:
    """An optional business date of a command (the tenant's today when left out)."""
    return Field(default=None, description=f"{what}; within {BUSINESS_DATE_RANGE}")


class Body(RequestBody):
    """A request body of program-svc."""


class ProgramCreate(Body):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
    name: Name
    area: Name = Field(description='what the program improves, e.g. "the Payroll application"')
    description: Annotated[str, Field(max_length=10_000)] = ""
    manager: UserRef
    sponsor: UserRef
    currency: CurrencyCode = Field(
        description="an ISO 4217 code with a minor unit (EUR, JPY, BHD ...); 422 otherwise"
    )
    proposed_on: BusinessDate | None = effective_date("not in the future; defaults to today")


class DatedRequest(Body):
    effective_on: BusinessDate | None = effective_date()


class DatedReasonRequest(Body):
    reason: Prose
    effective_on: BusinessDate | None = effective_date()


class MemberCreate(Body):
    project_id: UUID = Field(
        description="a project of the tenant in the program's currency, in no other program"
    )
    effective_on: BusinessDate | None = effective_date()


class MemberRemove(Body):
    reason: Reason = ""
    effective_on: BusinessDate | None = effective_date()


class PoolSet(Body):
    amount: NonNegativeAmount = Field(description=f"the whole pool; {MONEY_IN}")
    reason: Reason = ""
    effective_on: BusinessDate | None = effective_date()


class PoolChange(Body):
    amount: PositiveAmount = Field(description=MONEY_IN)
    reason: Prose
    effective_on: BusinessDate | None = effective_date()


class AllocationCreate(Body):
    project_id: UUID = Field(description="a member project")
    amount: PositiveAmount = Field(description=f"added to its allocation; {MONEY_IN}")
    effective_on: BusinessDate | None = effective_date()


class ReallocationCreate(Body):
    from_project_id: UUID
    to_project_id: UUID
    amount: PositiveAmount = Field(description=MONEY_IN)
    reason: Reason = ""
    effective_on: BusinessDate | None = effective_date()


class ResourceCreate(Body):
    kind: ResourceKind
    person: UserRef | None = Field(default=None, description="the user id, for a person")
    role: Name | None = Field(default=None, description="the role, for a role")
    skills: list[Skill] = Field(default_factory=list, max_length=50)
    weekly_capacity_hours: Hours = Field(description=HOURS_IN)
    cost_rate: NonNegativeAmount | None = Field(default=None, description=f"per hour; {MONEY_IN}")
    effective_on: BusinessDate | None = effective_date()


class AssignmentCreate(Body):
    resource_id: UUID
    project_id: UUID = Field(description="a member project")
    hours_per_week: Hours = Field(description=HOURS_IN)
    first_week: IsoWeek = Field(description=WEEK_IN)
    last_week: IsoWeek = Field(description=f"{WEEK_IN}; not before the first week")
    effective_on: BusinessDate | None = effective_date()


class HoursChange(Body):
    hours_per_week: Hours = Field(description=HOURS_IN)
    effective_on: BusinessDate | None = effective_date()


class EarlyEnd(Body):
    last_week: IsoWeek = Field(description=f"{WEEK_IN}; within the assignment, before its end")
    effective_on: BusinessDate | None = effective_date()


class BenefitCreate(Body):
    name: Name
    measure: Name = Field(description='what is measured, e.g. "payroll run time"')
    unit: Annotated[Name, Field(max_length=50)]
    target_value: Target
    target_date: BusinessDate = Field(description=f"by when; within {BUSINESS_DATE_RANGE}")
    owner: UserRef
    effective_on: BusinessDate | None = effective_date()


class RealisationCreate(Body):
    value: Measure = Field(description="the value the benefit has reached, in its unit")
    as_of: BusinessDate | None = effective_date(
        "the business date the value holds on: not in the future; defaults to today"
    )


class DependencyCreate(Body):
    dependent_project_id: UUID = Field(description="the member that needs the other")
    prerequisite_project_id: UUID = Field(description="the member it needs")
    kind: DependencyKind
    deliverable: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="which deliverable, for a deliverable dependency"
    )
    effective_on: BusinessDate | None = effective_date()


# -- responses -----------------------------------------------------------------------------------
class FundingRead(BaseModel):
    pool: CanonicalAmount
    allocated: CanonicalAmount
    unallocated: CanonicalAmount


class MemberRead(BaseModel):
    project_id: UUID
    joined_on: date
    allocation: CanonicalAmount


class BookedRead(BaseModel):
    """A stretch of ISO weeks in which a resource is booked the same hours each week."""

    first_week: str
    last_week: str
    hours_per_week: HoursText


class ResourceRead(BaseModel):
    resource_id: UUID
    kind: ResourceKind
    person: str | None
    role: str | None
    skills: list[str]
    weekly_capacity_hours: HoursText
    cost_rate: CanonicalAmount | None
    added_on: date
    booked: list[BookedRead] = Field(
        description="its booked hours per week, as stretches of weeks with the same hours "
        "(weeks without a booking are left out), in week order"
    )


class AssignmentRead(BaseModel):
    assignment_id: UUID
    resource_id: UUID
    project_id: UUID
    hours_per_week: HoursText
    first_week: str
    last_week: str
    assigned_on: date


class BenefitRead(BaseModel):
    benefit_id: UUID
    name: str
    measure: str
    unit: str
    target_value: Decimal
    target_date: date
    owner: str
    planned_on: date
    value: Decimal | None = Field(description="the latest value reported (None before any)")
    value_as_of: date | None
    realisation_percent: Decimal | None = Field(
        description="latest value / target * 100, to 2 decimal places (may exceed 100)"
    )
    reached: bool


class RealisationRead(BaseModel):
    planned: int
    reported: int
    at_or_above_target: int
    share_at_target_percent: Decimal | None
    mean_percent: Decimal | None


class DependencyRead(BaseModel):
    dependency_id: UUID
    dependent_project_id: UUID
    prerequisite_project_id: UUID
    kind: DependencyKind
    deliverable: str | None
    added_on: date


class ProgramRead(BaseModel):
    program_id: UUID
    version: int
    code: str
    name: str
    area: str
    description: str
    manager: str
    sponsor: str
    currency: str
    status: ProgramStatus
    status_since: date | None = Field(description="the business date the status took effect")
    proposed_on: date | None
    activated_by: str | None
    activated_on: date | None
    hold_reason: str | None
    cancel_reason: str | None
    funding: FundingRead
    members: list[MemberRead]
    resources: list[ResourceRead]
    assignments: list[AssignmentRead]
    benefits: list[BenefitRead]
    benefits_realisation: RealisationRead
    dependencies: list[DependencyRead]


class ProgramSummary(BaseModel):
    program_id: UUID
    code: str
    name: str
    status: ProgramStatus
    manager: str
    currency: str
    version: int


class ProgramPage(BaseModel):
    items: list[ProgramSummary]
    next_cursor: str | None = Field(description="pass as `cursor` to get the next page")


class Created(BaseModel):
    """The id of what a command added, and the version the program reached."""

    id: UUID
    version: int


class EventRead(BaseModel):
    event_id: UUID
    event_type: str
    schema_version: int
    stream_type: str
    stream_id: UUID
    stream_version: int
    occurred_at: datetime
    actor: str
    correlation_id: str
    causation_id: str | None
    payload: dict[str, Any]
