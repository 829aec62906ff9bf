"""What a project is, as its events made it: the state and the fold. The decisions live in
`project.Project`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from pmo_shared.domain.aggregate import Aggregate, applies
from project_svc.domain import events as ev
from project_svc.domain.values import Methodology, PlannedValuePoint, ProjectStatus, Rag

S = ProjectStatus


@dataclass(slots=True)
class Baseline:
    number: int
    budget_at_completion: Decimal
    planned_start: date
    planned_finish: date
    planned_values: tuple[PlannedValuePoint, ...]
    reason: str
    effective_on: date


@dataclass(slots=True)
class Milestone:
    name: str
    due_date: date
    achieved_on: date | None = None


@dataclass(slots=True)
class Risk:
    title: str
    probability: Decimal
    impact: Decimal
    owner: str
    raised_on: date
    resolution: str | None = None
    closed_on: date | None = None
    outcome: ev.RiskOutcome | None = None


class ProjectState(Aggregate):
    """A project's facts, changed only by applying its events."""

    stream_type = ev.PROJECT

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.status = S.PROPOSED
        self.code = self.name = self.description = self.manager = self.sponsor = ""
        self.methodology = Methodology.HYBRID
        self.currency = ""
        self.flagged_large = False
        self.baselines: list[Baseline] = []
        self.approved_by: str | None = None
        self.approved_on: date | None = None
        self.status_since: date | None = None  # the business date the status took effect
        self.actual_start: date | None = None
        self.actual_finish: date | None = None
        self.percent_complete = Decimal(0)
        self.progress_as_of: date | None = None
        self.actual_cost = Decimal(0)
        self.cost_count = 0
        self.first_cost_on: date | None = None  # the earliest incurred_on
        self.milestones: dict[UUID, Milestone] = {}
        self.risks: dict[UUID, Risk] = {}
        self.last_status: tuple[Rag, Rag, Rag] | None = None
        self.status_report_count = 0
        self.lesson_count = 0
        self.hold_reason: str | None = None
        self.cancel_reason: str | None = None
        self.no_lessons_reason: str | None = None

    # -- queries -------------------------------------------------------------------------
    @property
    def baseline(self) -> Baseline | None:
        """The current baseline."""
        return self.baselines[-1] if self.baselines else None

    @property
    def went_ahead_on(self) -> date | None:
        """The day the project went ahead: its approval, or its actual start where work started
        before the approval; None while it is only proposed."""
        if self.approved_on is None or self.actual_start is None:
            return self.approved_on
        return min(self.approved_on, self.actual_start)

    def is_large(self, threshold: Decimal | None) -> bool:
        """Flagged large, or a budget at completion that reaches the PMO's large-project
        threshold for its currency (None: the PMO sets none for it, only the flag counts)."""
        return self.flagged_large or (
            threshold is not None
            and self.baseline is not None
            and self.baseline.budget_at_completion >= threshold
        )

    # -- the fold --------------------------------------------------------------------------
    @applies(ev.ProjectProposed)
    def _on_project_proposed(self, e: ev.ProjectProposed) -> None:
        self.code, self.name, self.description = e.code, e.name, e.description
        self.manager, self.sponsor, self.methodology = e.manager, e.sponsor, e.methodology
        self.currency, self.flagged_large = e.currency, e.flagged_large

    @applies(ev.ProjectBaselined)
    def _on_project_baselined(self, e: ev.ProjectBaselined) -> None:
        self.baselines.append(
            Baseline(
                e.baseline_number,
                e.budget_at_completion,
                e.planned_start,
                e.planned_finish,
                e.planned_values,
                e.reason,
                e.effective_on,
            )
        )

    @applies(ev.ProjectApproved)
    def _on_project_approved(self, e: ev.ProjectApproved) -> None:
        self.status, self.approved_by = S.APPROVED, e.approved_by
        self.approved_on = self.status_since = e.effective_on

    @applies(ev.ProjectStarted)
    def _on_project_started(self, e: ev.ProjectStarted) -> None:
        self.status, self.actual_start = S.ACTIVE, e.actual_start
        self.status_since = e.actual_start

    @applies(ev.ProjectPutOnHold)
    def _on_project_put_on_hold(self, e: ev.ProjectPutOnHold) -> None:
        self.status, self.hold_reason = S.ON_HOLD, e.reason
        self.status_since = e.effective_on

    @applies(ev.ProjectResumed)
    def _on_project_resumed(self, e: ev.ProjectResumed) -> None:
        self.status, self.hold_reason = S.ACTIVE, None
        self.status_since = e.effective_on

    @applies(ev.ProjectCompleted)
    def _on_project_completed(self, e: ev.ProjectCompleted) -> None:
        self.status, self.actual_finish = S.COMPLETED, e.actual_finish
        self.status_since = e.actual_finish

    @applies(ev.ProjectCancelled)
    def _on_project_cancelled(self, e: ev.ProjectCancelled) -> None:
        self.status, self.cancel_reason = S.CANCELLED, e.reason
        self.status_since = e.effective_on

    @applies(ev.ProjectClosed)
    def _on_project_closed(self, e: ev.ProjectClosed) -> None:
        self.status, self.no_lessons_reason = S.CLOSED, e.no_lessons_reason
        self.status_since = e.effective_on

    @applies(ev.ProgressReported)
    def _on_progress_reported(self, e: ev.ProgressReported) -> None:
        self.percent_complete, self.progress_as_of = e.percent_complete, e.as_of

    @applies(ev.CostRecorded)
    def _on_cost_recorded(self, e: ev.CostRecorded) -> None:
        self.actual_cost += e.amount
        self.cost_count += 1
        self.first_cost_on = min(self.first_cost_on or e.incurred_on, e.incurred_on)

    @applies(ev.MilestoneAdded)
    def _on_milestone_added(self, e: ev.MilestoneAdded) -> None:
        self.milestones[e.milestone_id] = Milestone(e.name, e.due_date)

    @applies(ev.MilestoneAchieved)
    def _on_milestone_achieved(self, e: ev.MilestoneAchieved) -> None:
        self.milestones[e.milestone_id].achieved_on = e.achieved_on

    @applies(ev.RiskRaised)
    def _on_risk_raised(self, e: ev.RiskRaised) -> None:
        self.risks[e.risk_id] = Risk(e.title, e.probability, e.impact, e.owner, e.raised_on)

    @applies(ev.RiskClosed)
    def _on_risk_closed(self, e: ev.RiskClosed) -> None:
        risk = self.risks[e.risk_id]
        risk.resolution, risk.closed_on, risk.outcome = e.resolution, e.closed_on, e.outcome

    @applies(ev.StatusReportSubmitted)
    def _on_status_report_submitted(self, e: ev.StatusReportSubmitted) -> None:
        self.last_status = (e.schedule, e.cost, e.scope)
        self.status_report_count += 1

    @applies(ev.LessonLearned)
    def _on_lesson_learned(self, e: ev.LessonLearned) -> None:
        self.lesson_count += 1
