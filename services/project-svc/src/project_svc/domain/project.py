"""The Project aggregate: lifecycle, baseline, progress, costs, milestones, risks, reports,
lessons learned.

The date rules (every date is a business date, the day a fact took effect; `today` is the
tenant's):

- no date is in the future;
- progress, costs and milestone achievements are not dated before the actual start, and the
  actual start is not after a cost already recorded: no work is dated before it started;
- a lifecycle change (hold, resume, finish, cancel, close) is not dated before the change it
  follows; only the actual start may precede the approval (work often starts first);
- a re-baseline takes effect no earlier than the baseline it replaces, and once the project has
  started, not before the actual start;
- a risk is raised and closed on a day not in the future, never closed before it was raised,
  and once the project went ahead (approved, or started where work started first) neither is
  dated before that day; a proposal carries no business date (only its record time), so the
  risks of a project still proposed take any past date and back-dated history can be entered.

Money: the currency is an ISO 4217 code with a minor unit, and every amount (budget at
completion, planned values, costs, risk impacts) has at most that many decimal places (EUR 2,
JPY 0); it is recorded at exactly that exponent (`pmo_shared.domain.values.check_amount`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from pmo_shared.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
    RuleViolationError,
)
from pmo_shared.domain.values import check_amount, minor_unit
from project_svc.domain import events as ev
from project_svc.domain.project_state import Milestone, ProjectState
from project_svc.domain.standards import PortfolioDecision, Standards
from project_svc.domain.values import Methodology, PlannedValuePoint, ProjectStatus, Rag

S = ProjectStatus
OPEN = (S.PROPOSED, S.APPROVED, S.ACTIVE, S.ON_HOLD)
UNDERWAY = (S.ACTIVE, S.ON_HOLD)
NOT_CLOSED = (*OPEN, S.COMPLETED, S.CANCELLED)


class Project(ProjectState):
    """A temporary piece of work with a budget, a schedule and a manager: its commands check
    the rules, then record events."""

    # -- commands ------------------------------------------------------------------------
    @classmethod
    def propose(
        cls,
        project_id: UUID,
        *,
        code: str,
        name: str,
        description: str,
        manager: str,
        sponsor: str,
        methodology: Methodology,
        currency: str,
        flagged_large: bool,
    ) -> Project:
        """Propose a new project in an ISO 4217 currency that has a minor unit."""
        minor_unit(currency)
        project = cls(project_id)
        project.record(
            ev.ProjectProposed(
                project_id=project_id,
                code=code,
                name=name,
                description=description,
                manager=manager,
                sponsor=sponsor,
                methodology=methodology,
                currency=currency,
                flagged_large=flagged_large,
            )
        )
        return project

    def set_baseline(
        self,
        *,
        budget_at_completion: Decimal,
        planned_start: date,
        planned_finish: date,
        planned_values: tuple[PlannedValuePoint, ...] = (),
        reason: str = "",
        effective_on: date,
        today: date,
    ) -> None:
        """Set the first baseline, or re-baseline (numbered; needs a reason once underway),
        in force from `effective_on`."""
        self._require("baseline", OPEN)
        if self.status in UNDERWAY and not reason.strip():
            raise InvalidValueError("re-baselining an active or on-hold project needs a reason")
        budget_at_completion = self._money(budget_at_completion, "budget at completion")
        planned_values = tuple(self._planned_value(point) for point in planned_values)
        _check_schedule(planned_start, planned_finish, planned_values, budget_at_completion)
        not_future(effective_on, today, "baseline effective date")
        self._not_before_start(effective_on, "baseline effective date")
        previous = self.baseline
        if previous is not None and effective_on < previous.effective_on:
            raise InvalidValueError(
                f"baseline effective date {effective_on} is before the effective date "
                f"{previous.effective_on} of baseline {previous.number}"
            )
        self.record(
            ev.ProjectBaselined(
                effective_on=effective_on,
                baseline_number=len(self.baselines) + 1,
                budget_at_completion=budget_at_completion,
                planned_start=planned_start,
                planned_finish=planned_finish,
                planned_values=planned_values,
                reason=reason,
            )
        )

    def approve(
        self,
        *,
        approved_by: str,
        effective_on: date,
        today: date,
        standards: Standards,
        decision: PortfolioDecision | None,
    ) -> None:
        """Approve a baselined proposal, as of `effective_on`: under the PMO's `standards` in
        force then, one whose BAC reaches the portfolio-approval threshold needs `decision`
        (the latest portfolio decision in force for it then) to be "approve"."""
        self._require("approve", (S.PROPOSED,))
        if self.baseline is None:
            raise RuleViolationError("a project needs a baseline before it can be approved")
        not_future(effective_on, today, "approval date")
        standards.require_portfolio_approval(
            project_id=self.id,
            budget_at_completion=self.baseline.budget_at_completion,
            currency=self.currency,
            decision=decision,
            on=effective_on,
        )
        self.record(ev.ProjectApproved(approved_by=approved_by, effective_on=effective_on))

    def start(self, *, actual_start: date, today: date) -> None:
        """Start approved work (the actual start may precede the approval)."""
        self._require("start", (S.APPROVED,))
        not_future(actual_start, today, "actual start")
        if self.first_cost_on is not None and actual_start > self.first_cost_on:
            raise InvalidValueError(
                f"actual start {actual_start} is after the first cost, incurred on "
                f"{self.first_cost_on}"
            )
        self.record(ev.ProjectStarted(actual_start=actual_start))

    def hold(self, *, reason: str, effective_on: date, today: date) -> None:
        """Pause active work from `effective_on`."""
        self._require("hold", (S.ACTIVE,))
        self._lifecycle_date(effective_on, today, "hold date")
        self.record(ev.ProjectPutOnHold(reason=reason, effective_on=effective_on))

    def resume(self, *, effective_on: date, today: date) -> None:
        """Resume paused work from `effective_on`."""
        self._require("resume", (S.ON_HOLD,))
        self._lifecycle_date(effective_on, today, "resumption date")
        self.record(ev.ProjectResumed(effective_on=effective_on))

    def complete(self, *, actual_finish: date, today: date) -> None:
        """Finish active work."""
        self._require("complete", (S.ACTIVE,))
        self._not_before_start(actual_finish, "actual finish")
        self._lifecycle_date(actual_finish, today, "actual finish")
        self.record(ev.ProjectCompleted(actual_finish=actual_finish))

    def cancel(self, *, reason: str, effective_on: date, today: date) -> None:
        """Stop the project before it finishes, as of `effective_on`."""
        self._require("cancel", OPEN)
        self._lifecycle_date(effective_on, today, "cancellation date")
        self.record(ev.ProjectCancelled(reason=reason, effective_on=effective_on))

    def close(
        self, *, no_lessons_reason: str | None = None, effective_on: date, today: date
    ) -> None:
        """Close a finished project: it needs at least one lesson or an explicit reason why
        there is none."""
        self._require("close", (S.COMPLETED, S.CANCELLED))
        if self.lesson_count == 0 and not (no_lessons_reason or "").strip():
            raise RuleViolationError(
                "closing needs at least one lesson learned or an explicit no_lessons_reason"
            )
        self._lifecycle_date(effective_on, today, "closing date")
        reason = no_lessons_reason if self.lesson_count == 0 else None
        self.record(ev.ProjectClosed(no_lessons_reason=reason, effective_on=effective_on))

    def report_progress(self, *, percent_complete: Decimal, as_of: date, today: date) -> None:
        """Report percent complete as of a date between the actual start and today."""
        self._require("report progress", UNDERWAY)
        not_future(as_of, today, "progress date")
        self._not_before_start(as_of, "progress date")
        self.record(ev.ProgressReported(percent_complete=percent_complete, as_of=as_of))

    def record_cost(
        self, *, amount: Decimal, incurred_on: date, category: str, description: str, today: date
    ) -> UUID:
        """Record an actual cost; returns its id."""
        self._require("record a cost", (S.APPROVED, S.ACTIVE, S.ON_HOLD, S.COMPLETED))
        not_future(incurred_on, today, "cost date")
        self._not_before_start(incurred_on, "cost date")
        amount = self._money(amount, "cost amount")
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
        not_future(achieved_on, today, "achievement date")
        self._not_before_start(achieved_on, "achievement date")
        self.record(ev.MilestoneAchieved(milestone_id=milestone_id, achieved_on=achieved_on))

    def raise_risk(
        self,
        *,
        title: str,
        probability: Decimal,
        impact: Decimal,
        owner: str,
        raised_on: date,
        today: date,
    ) -> UUID:
        """Identify a risk on `raised_on`; returns its id."""
        self._require("raise a risk", OPEN)
        impact = self._money(impact, "risk impact")
        self._risk_date(raised_on, today, "risk date")
        risk_id = uuid4()
        self.record(
            ev.RiskRaised(
                risk_id=risk_id,
                title=title,
                probability=probability,
                impact=impact,
                owner=owner,
                raised_on=raised_on,
            )
        )
        return risk_id

    def close_risk(
        self,
        risk_id: UUID,
        *,
        resolution: str,
        outcome: ev.RiskOutcome = "unrecorded",
        closed_on: date,
        today: date,
    ) -> None:
        """Close an open risk on `closed_on` with its resolution and its outcome
        ("materialised" when it happened)."""
        self._require("close a risk", NOT_CLOSED)
        risk = self.risks.get(risk_id)
        if risk is None:
            raise NotFoundError(f"risk {risk_id} not found")
        if risk.resolution is not None:
            raise RuleViolationError(f"risk {risk_id} is already closed")
        self._risk_date(closed_on, today, "risk closing date")
        if closed_on < risk.raised_on:
            raise InvalidValueError(
                f"risk closing date {closed_on} is before {risk.raised_on}, when the risk was "
                "raised"
            )
        self.record(
            ev.RiskClosed(
                risk_id=risk_id, resolution=resolution, closed_on=closed_on, outcome=outcome
            )
        )

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

    def _money(self, amount: Decimal, what: str) -> Decimal:
        """`amount` at the project currency's minor unit; more decimals are refused (422)."""
        return check_amount(amount, self.currency, what=what)

    def _planned_value(self, point: PlannedValuePoint) -> PlannedValuePoint:
        value = self._money(point.planned_value, f"planned value of {point.date}")
        return point.model_copy(update={"planned_value": value})

    def _not_before_start(self, when: date, what: str) -> None:
        if self.actual_start is not None and when < self.actual_start:
            raise InvalidValueError(f"{what} {when} is before the actual start {self.actual_start}")

    def _lifecycle_date(self, when: date, today: date, what: str) -> None:
        """A lifecycle change is not in the future nor before the change it follows."""
        not_future(when, today, what)
        if self.status_since is not None and when < self.status_since:
            raise InvalidValueError(
                f"{what} {when} is before {self.status_since}, when the project became "
                f"{self.status.value}"
            )

    def _risk_date(self, when: date, today: date, what: str) -> None:
        """A risk's date is not in the future, nor before the project went ahead."""
        not_future(when, today, what)
        went_ahead_on = self.went_ahead_on
        if went_ahead_on is not None and when < went_ahead_on:
            raise InvalidValueError(
                f"{what} {when} is before {went_ahead_on}, when the project went ahead"
            )

    def _milestone(self, milestone_id: UUID) -> Milestone:
        try:
            return self.milestones[milestone_id]
        except KeyError:
            raise NotFoundError(f"milestone {milestone_id} not found") from None


def not_future(when: date, today: date, what: str) -> None:
    """Refuse a business date after the tenant's today (422)."""
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
