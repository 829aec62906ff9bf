"""Every command project-svc takes, named for what it asks: frozen dataclasses, each a
`Command[R]` whose handler (in `handlers`) returns an `R`.

Commands on an existing project or office carry its `project_id` and, from If-Match, the
`expected_version` the caller last read (None: no precondition). Dates left None default to
the tenant's today in the handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from pmo_shared.application.handlers import Added, Command
from project_svc.domain.events import RiskOutcome
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.values import Methodology, PlannedValuePoint, Rag


@dataclass(frozen=True, kw_only=True)
class ProposeProject(Command[Project]):
    code: str
    name: str
    manager: str
    sponsor: str
    methodology: Methodology
    currency: str
    description: str = ""
    flagged_large: bool = False


@dataclass(frozen=True, kw_only=True)
class OnProject:
    """The project a command is for, at the version the caller expects."""

    project_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class BaselineProject(OnProject, Command[Project]):
    budget_at_completion: Decimal
    planned_start: date
    planned_finish: date
    planned_values: tuple[PlannedValuePoint, ...] = ()
    reason: str = ""
    effective_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class ApproveProject(OnProject, Command[Project]):
    effective_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class StartProject(OnProject, Command[Project]):
    actual_start: date | None = None


@dataclass(frozen=True, kw_only=True)
class HoldProject(OnProject, Command[Project]):
    reason: str
    effective_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class ResumeProject(OnProject, Command[Project]):
    effective_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class CompleteProject(OnProject, Command[Project]):
    actual_finish: date | None = None


@dataclass(frozen=True, kw_only=True)
class CancelProject(OnProject, Command[Project]):
    reason: str
    effective_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class CloseProject(OnProject, Command[Project]):
    no_lessons_reason: str | None = None
    effective_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class ReportProgress(OnProject, Command[Project]):
    percent_complete: Decimal
    as_of: date | None = None


@dataclass(frozen=True, kw_only=True)
class RecordCost(OnProject, Command[Added[Project]]):
    amount: Decimal
    incurred_on: date
    category: str
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class AddMilestone(OnProject, Command[Added[Project]]):
    name: str
    due_date: date


@dataclass(frozen=True, kw_only=True)
class AchieveMilestone(OnProject, Command[Project]):
    milestone_id: UUID
    achieved_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class RaiseRisk(OnProject, Command[Added[Project]]):
    title: str
    probability: Decimal
    impact: Decimal
    owner: str
    raised_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class CloseRisk(OnProject, Command[Project]):
    risk_id: UUID
    resolution: str
    outcome: RiskOutcome = "unrecorded"
    closed_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class SubmitStatusReport(OnProject, Command[Added[Project]]):
    schedule: Rag
    cost: Rag
    scope: Rag
    summary: str


@dataclass(frozen=True, kw_only=True)
class LearnLesson(OnProject, Command[Added[Project]]):
    category: str
    what_happened: str
    recommendation: str


# -- the Project Office (addressed through its project) ---------------------------------------
@dataclass(frozen=True, kw_only=True)
class EstablishOffice(Command[ProjectOffice]):
    project_id: UUID
    lead: str
    reporting_cadence_days: int
    charter: str
    established_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class AssignOfficeStaff(OnProject, Command[ProjectOffice]):
    user_id: str
    role: str


@dataclass(frozen=True, kw_only=True)
class ReleaseOfficeStaff(OnProject, Command[ProjectOffice]):
    user_id: str


@dataclass(frozen=True, kw_only=True)
class PublishOfficeReport(OnProject, Command[Added[ProjectOffice]]):
    kind: str
    period_end: date
    summary: str
    metrics: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class FileOfficeDocument(OnProject, Command[Added[ProjectOffice]]):
    title: str
    kind: str
    link: str


@dataclass(frozen=True, kw_only=True)
class DisbandOffice(OnProject, Command[ProjectOffice]):
    reason: str
    disbanded_on: date | None = None
