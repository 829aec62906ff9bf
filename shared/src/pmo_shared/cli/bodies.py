"""The request bodies of a history row's commands, as project-svc's API takes them: money as
the canonical string of the project's currency, dates as YYYY-MM-DD, every command with its
back-dated business date. The lesson is the one command without a business date in the API
today (recorded when sent)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pmo_shared.cli.history import HistoryRow
from pmo_shared.domain.values import canonical

Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Bodies:
    """The bodies of one row's commands."""

    row: HistoryRow

    def money(self, amount: Decimal) -> str:
        """`amount` as the canonical string of the row's currency."""
        return canonical(amount, self.row.currency)

    def proposal(self) -> Body:
        """`POST /v1/projects`."""
        r = self.row
        return {
            "code": r.code,
            "name": r.name,
            "description": r.description,
            "manager": r.manager,
            "sponsor": r.sponsor,
            "methodology": r.methodology,
            "currency": r.currency,
            "flagged_large": r.flagged_large,
        }

    def baseline(self) -> Body:
        """The first baseline, in force from the approval day."""
        r = self.row
        return {
            "budget_at_completion": self.money(r.budget_at_completion),
            "planned_start": r.planned_start.isoformat(),
            "planned_finish": r.planned_finish.isoformat(),
            "effective_on": r.approved_on.isoformat(),
        }

    def approval(self) -> Body:
        return {"effective_on": self.row.approved_on.isoformat()}

    def start(self) -> Body:
        assert self.row.actual_start is not None
        return {"actual_start": self.row.actual_start.isoformat()}

    def rebaseline(self) -> Body:
        """The second baseline: the same planned start, a new budget and finish."""
        rebaseline = self.row.rebaseline
        assert rebaseline is not None
        return {
            "budget_at_completion": self.money(rebaseline.budget_at_completion),
            "planned_start": self.row.planned_start.isoformat(),
            "planned_finish": rebaseline.planned_finish.isoformat(),
            "reason": rebaseline.reason,
            "effective_on": rebaseline.on.isoformat(),
        }

    def risk(self, number: int) -> Body:
        """The row's `number`-th risk (from 1), raised when the work began, owned by the
        manager."""
        risk = self.row.risks[number - 1]
        return {
            "title": risk.title,
            "probability": str(risk.probability),
            "impact": self.money(risk.impact),
            "owner": self.row.manager,
            "raised_on": (self.row.actual_start or self.row.approved_on).isoformat(),
        }

    def risk_closing(self, number: int) -> Body:
        """The close of the `number`-th risk on the project's end, with its outcome."""
        risk = self.row.risks[number - 1]
        return {
            "resolution": risk.resolution,
            "outcome": risk.outcome,
            "closed_on": self.row.ended_on.isoformat(),
        }

    def cost(self, number: int) -> Body:
        cost = self.row.costs[number - 1]
        return {
            "amount": self.money(cost.amount),
            "incurred_on": cost.incurred_on.isoformat(),
            "category": self.row.cost_category,
        }

    def progress(self) -> Body:
        progress = self.row.progress
        assert progress is not None
        return {
            "percent_complete": str(progress.percent_complete),
            "as_of": progress.as_of.isoformat(),
        }

    def completion(self) -> Body:
        return {"actual_finish": self.row.ended_on.isoformat()}

    def cancellation(self) -> Body:
        assert self.row.cancel_reason is not None
        return {"reason": self.row.cancel_reason, "effective_on": self.row.ended_on.isoformat()}

    def lesson(self) -> Body:
        lesson = self.row.lesson
        assert lesson is not None
        return {
            "category": lesson.category,
            "what_happened": lesson.what_happened,
            "recommendation": lesson.recommendation,
        }

    def closing(self) -> Body:
        """The close, with the reason for no lesson when the row has none."""
        body: Body = {"effective_on": self.row.closed_on.isoformat()}
        if self.row.lesson is None:
            body["no_lessons_reason"] = self.row.no_lessons_reason
        return body
