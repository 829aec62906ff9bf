"""The Project aggregate: lifecycle, baseline, progress, costs, milestones, risks, reports,
lessons learned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import singledispatchmethod
from uuid import UUID, uuid4

from pmo_shared.events import DomainEvent
from project_svc.domain import events as ev
from project_svc.domain.aggregate import Aggregate
from project_svc.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
    RuleViolationError,
)
from project_svc.domain.values import Methodology, PlannedValuePoint, ProjectStatus, Rag

S = ProjectStatus
OPEN = (S.PROPOSED, S.APPROVED, S.ACTIVE, S.ON_HOLD)
UNDERWAY = (S.ACTIVE, S.ON_HOLD)
NOT_CLOSED = (*OPEN, S.COMPLETED, S.CANCELLED)


@dataclass(slots=True)
class Baseline:
    number: int
    budget_at_completion: Decimal
    planned_start: date
    planned_finish: date
    planned_values: tuple[PlannedValuePoint, ...]
    reason: str


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
    resolution: str | None = None


class Project(Aggregate):
    """A temporary piece of work with a budget, a schedule and a manager."""

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.status = S.PROPOSED
        self.code = self.name = self.description = self.manager = self.sponsor = ""
        self.methodology = Methodology.HYBRID
        self.currency = ""
        self.flagged_large = False
        self.baselines: list[Baseline] = []
        self.approved_by: str | None = None
        self.actual_start: date | None = None
        self.actual_finish: date | None = None
        self.percent_complete = Decimal(0)
        self.progress_as_of: date | None = None
        self.actual_cost = Decimal(0)
        self.cost_count = 0
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

    def is_large(self, threshold: Decimal) -> bool:
        """Flagged large, or a budget at completion that reaches the PMO's threshold."""
        return self.flagged_large or (
            self.baseline is not None and self.baseline.budget_at_completion >= threshold
        )

    # -- commands ------------------------------------------------------------------------
    @classmethod
    def propose(cls, project_id: UUID, **details: object) -> Project:
        """Propose a new project (code, name, description, manager, sponsor, methodology,
        currency, flagged_large)."""
        project = cls(project_id)
        project.record(ev.ProjectProposed.model_validate({"project_id": project_id, **details}))
        return project

    def set_baseline(
        self,
        *,
        budget_at_completion: Decimal,
        planned_start: date,
        planned_finish: date,
        planned_values: tuple[PlannedValuePoint, ...] = (),
        reason: str = "",
    ) -> None:
        """Set the first baseline, or re-baseline (numbered; needs a reason once underway)."""
        self._require("baseline", OPEN)
        if self.status in UNDERWAY and not reason.strip():
            raise InvalidValueError("re-baselining an active or on-hold project needs a reason")
        _check_schedule(planned_start, planned_finish, planned_values, budget_at_completion)
        self.record(
            ev.ProjectBaselined(
                baseline_number=len(self.baselines) + 1,
                budget_at_completion=budget_at_completion,
                planned_start=planned_start,
                planned_finish=planned_finish,
                planned_values=planned_values,
                reason=reason,
            )
        )

    def approve(self, *, approved_by: str) -> None:
        """Approve a baselined proposal."""
        self._require("approve", (S.PROPOSED,))
        if self.baseline is None:
            raise RuleViolationError("a project needs a baseline before it can be approved")
        self.record(ev.ProjectApproved(approved_by=approved_by))

    def start(self, *, actual_start: date, today: date) -> None:
        """Start approved work."""
        self._require("start", (S.APPROVED,))
        _not_future(actual_start, today, "actual start")
        self.record(ev.ProjectStarted(actual_start=actual_start))

    def hold(self, *, reason: str) -> None:
        """Pause active work."""
        self._require("hold", (S.ACTIVE,))
        self.record(ev.ProjectPutOnHold(reason=reason))

    def resume(self) -> None:
        """Resume paused work."""
        self._require("resume", (S.ON_HOLD,))
        self.record(ev.ProjectResumed())

    def complete(self, *, actual_finish: date, today: date) -> None:
        """Finish active work."""
        self._require("complete", (S.ACTIVE,))
        _not_future(actual_finish, today, "actual finish")
        self._not_before_start(actual_finish, "actual finish")
        self.record(ev.ProjectCompleted(actual_finish=actual_finish))

    def cancel(self, *, reason: str) -> None:
        """Stop the project before it finishes."""
        self._require("cancel", OPEN)
        self.record(ev.ProjectCancelled(reason=reason))

    def close(self, *, no_lessons_reason: str | None = None) -> None:
        """Close a finished project: it needs at least one lesson or an explicit reason why
        there is none."""
        self._require("close", (S.COMPLETED, S.CANCELLED))
        if self.lesson_count == 0 and not (no_lessons_reason or "").strip():
            raise RuleViolationError(
                "closing needs at least one lesson learned or an explicit no_lessons_reason"
            )
        reason = no_lessons_reason if self.lesson_count == 0 else None
        self.record(ev.ProjectClosed(no_lessons_reason=reason))

    def report_progress(self, *, percent_complete: Decimal, as_of: date, today: date) -> None:
        """Report percent complete as of a date between the actual start and today."""
        self._require("report progress", UNDERWAY)
        _not_future(as_of, today, "progress date")
        self._not_before_start(as_of, "progress date")
        self.record(ev.ProgressReported(percent_complete=percent_complete, as_of=as_of))

    def record_cost(
        self, *, amount: Decimal, incurred_on: date, category: str, description: str, today: date
    ) -> UUID:
        """Record an actual cost; returns its id."""
        self._require("record a cost", (S.APPROVED, S.ACTIVE, S.ON_HOLD, S.COMPLETED))
        _not_future(incurred_on, today, "cost date")
        cost_id = uuid4()
        self.record(
            ev.CostRecorded(
                cost_id=cost_id,
                amount=amount,
                incurred_on=incurred_on,
                category=category,
                description=description,
            )
        )
        return cost_id

    def add_milestone(self, *, name: str, due_date: date) -> UUID:
        """Plan a milestone; returns its id."""
        self._require("add a milestone", OPEN)
        milestone_id = uuid4()
        self.record(ev.MilestoneAdded(milestone_id=milestone_id, name=name, due_date=due_date))
        return milestone_id

    def achieve_milestone(self, milestone_id: UUID, *, achieved_on: date, today: date) -> None:
        """Mark a milestone achieved (once)."""
        self._require("achieve a milestone", UNDERWAY)
        milestone = self._milestone(milestone_id)
        if milestone.achieved_on is not None:
            raise RuleViolationError(
                f"milestone {milestone_id} was already achieved on {milestone.achieved_on}"
            )
        _not_future(achieved_on, today, "achievement date")
        self._not_before_start(achieved_on, "achievement date")
        self.record(ev.MilestoneAchieved(milestone_id=milestone_id, achieved_on=achieved_on))

    def raise_risk(self, *, title: str, probability: Decimal, impact: Decimal, owner: str) -> UUID:
        """Identify a risk; returns its id."""
        self._require("raise a risk", OPEN)
        risk_id = uuid4()
        self.record(
            ev.RiskRaised(
                risk_id=risk_id, title=title, probability=probability, impact=impact, owner=owner
            )
        )
        return risk_id

    def close_risk(self, risk_id: UUID, *, resolution: str) -> None:
        """Close an open risk with its resolution."""
        self._require("close a risk", NOT_CLOSED)
        risk = self.risks.get(risk_id)
        if risk is None:
            raise NotFoundError(f"risk {risk_id} not found")
        if risk.resolution is not None:
            raise RuleViolationError(f"risk {risk_id} is already closed")
        self.record(ev.RiskClosed(risk_id=risk_id, resolution=resolution))

    def submit_status_report(self, *, schedule: Rag, cost: Rag, scope: Rag, summary: str) -> UUID:
        """Rate schedule, cost and scope; returns the report id."""
        self._require("submit a status report", UNDERWAY)
        report_id = uuid4()
        self.record(
            ev.StatusReportSubmitted(
                report_id=report_id, schedule=schedule, cost=cost, scope=scope, summary=summary
            )
        )
        return report_id

    def learn_lesson(self, *, category: str, what_happened: str, recommendation: str) -> UUID:
        """Record a lesson learned; returns its id."""
        self._require("record a lesson", NOT_CLOSED)
        lesson_id = uuid4()
        self.record(
            ev.LessonLearned(
                lesson_id=lesson_id,
                category=category,
                what_happened=what_happened,
                recommendation=recommendation,
            )
        )
        return lesson_id

    # -- rules -----------------------------------------------------------------------------
    def _require(self, action: str, allowed: tuple[ProjectStatus, ...]) -> None:
        if self.status not in allowed:
            raise InvalidTransitionError(
                action=action,
                current_state=self.status.value,
                allowed_from=tuple(s.value for s in allowed),
            )

    def _not_before_start(self, when: date, what: str) -> None:
        if self.actual_start is not None and when < self.actual_start:
            raise InvalidValueError(f"{what} {when} is before the actual start {self.actual_start}")

    def _milestone(self, milestone_id: UUID) -> Milestone:
        try:
            return self.milestones[milestone_id]
        except KeyError:
            raise NotFoundError(f"milestone {milestone_id} not found") from None

    # -- the fold ----------------------------------------------------------------------------
    @singledispatchmethod
    def apply(self, event: DomainEvent) -> None:
        """Change state by one event."""
        raise TypeError(f"Project cannot apply {type(event).__name__}")

    @apply.register
    def _(self, e: ev.ProjectProposed) -> None:
        self.code, self.name, self.description = e.code, e.name, e.description
        self.manager, self.sponsor, self.methodology = e.manager, e.sponsor, e.methodology
        self.currency, self.flagged_large = e.currency, e.flagged_large

    @apply.register
    def _(self, e: ev.ProjectBaselined) -> None:
        self.baselines.append(
            Baseline(
                e.baseline_number,
                e.budget_at_completion,
                e.planned_start,
                e.planned_finish,
                e.planned_values,
                e.reason,
            )
        )

    @apply.register
    def _(self, e: ev.ProjectApproved) -> None:
        self.status, self.approved_by = S.APPROVED, e.approved_by

    @apply.register
    def _(self, e: ev.ProjectStarted) -> None:
        self.status, self.actual_start = S.ACTIVE, e.actual_start

    @apply.register
    def _(self, e: ev.ProjectPutOnHold) -> None:
        self.status, self.hold_reason = S.ON_HOLD, e.reason

    @apply.register
    def _(self, e: ev.ProjectResumed) -> None:
        self.status, self.hold_reason = S.ACTIVE, None

    @apply.register
    def _(self, e: ev.ProjectCompleted) -> None:
        self.status, self.actual_finish = S.COMPLETED, e.actual_finish

    @apply.register
    def _(self, e: ev.ProjectCancelled) -> None:
        self.status, self.cancel_reason = S.CANCELLED, e.reason

    @apply.register
    def _(self, e: ev.ProjectClosed) -> None:
        self.status, self.no_lessons_reason = S.CLOSED, e.no_lessons_reason

    @apply.register
    def _(self, e: ev.ProgressReported) -> None:
        self.percent_complete, self.progress_as_of = e.percent_complete, e.as_of

    @apply.register
    def _(self, e: ev.CostRecorded) -> None:
        self.actual_cost += e.amount
        self.cost_count += 1

    @apply.register
    def _(self, e: ev.MilestoneAdded) -> None:
        self.milestones[e.milestone_id] = Milestone(e.name, e.due_date)

    @apply.register
    def _(self, e: ev.MilestoneAchieved) -> None:
        self.milestones[e.milestone_id].achieved_on = e.achieved_on

    @apply.register
    def _(self, e: ev.RiskRaised) -> None:
        self.risks[e.risk_id] = Risk(e.title, e.probability, e.impact, e.owner)

    @apply.register
    def _(self, e: ev.RiskClosed) -> None:
        self.risks[e.risk_id].resolution = e.resolution

    @apply.register
    def _(self, e: ev.StatusReportSubmitted) -> None:
        self.last_status = (e.schedule, e.cost, e.scope)
        self.status_report_count += 1

    @apply.register
    def _(self, e: ev.LessonLearned) -> None:
        self.lesson_count += 1


def _not_future(when: date, today: date, what: str) -> None:
    if when > today:
        raise InvalidValueError(f"{what} {when} is in the future")


def _check_schedule(
    start: date, finish: date, points: tuple[PlannedValuePoint, ...], bac: Decimal
) -> None:
    if finish <= start:
        raise InvalidValueError("planned finish must be after planned start")
    previous_date, previous_value = start, Decimal(0)
    for point in points:
        if not start <= point.date <= finish:
            raise InvalidValueError(f"planned value date {point.date} is outside the schedule")
        if point.date < previous_date or point.planned_value < previous_value:
            raise InvalidValueError("planned values must be cumulative and in date order")
        previous_date, previous_value = point.date, point.planned_value
    if previous_value > bac:
        raise InvalidValueError("planned values exceed the budget at completion")
