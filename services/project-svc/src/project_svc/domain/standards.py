"""The PMO's standards as project-svc applies them, and the portfolio's decisions on a project.

Both are portfolio-svc's facts (`pmo.portfolio.events`); project-svc keeps what it needs of
them in its own reference tables (`project_svc.references`), and its handlers hand the domain
the values in force on the business date at hand. Before a tenant's first set of standards
takes effect (and for a tenant that has none) the environment's defaults apply: the large-
project threshold of the settings for every currency, no approval threshold, no gates.

Monetary thresholds are per currency: a currency the standards do not list has none (a project
of that currency is large only when flagged; its approval needs no portfolio decision).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pmo_shared.domain.errors import RuleViolationError
from pmo_shared.domain.values import canonical

REBASELINE_ACTIVE_NEEDS_PMO = "rebaseline_active_needs_pmo"
"""The gate by which re-baselining an active or on-hold project needs the PMO."""

APPROVE = "approve"
"""The portfolio decision that clears a project for approval (the others: defer, terminate)."""


@dataclass(frozen=True, slots=True)
class Standards:
    """The PMO's standards in force for a tenant on one business date."""

    large_project_threshold: Mapping[str, Decimal] = field(default_factory=dict)
    portfolio_approval_threshold: Mapping[str, Decimal] = field(default_factory=dict)
    required_gates: frozenset[str] = frozenset()
    effective_on: date | None = None
    """The date the set took effect; None: no set is in force, these are the defaults."""
    any_currency_large: Decimal | None = None
    """The environment's large-project threshold, for every currency (defaults only)."""

    @classmethod
    def defaults(cls, *, large_threshold: Decimal) -> Standards:
        """The environment's settings, for a tenant without standards in force."""
        return cls(any_currency_large=large_threshold)

    def large_threshold(self, currency: str) -> Decimal | None:
        """The BAC from which a project of `currency` is large (None: only the flag makes it)."""
        return self.large_project_threshold.get(currency, self.any_currency_large)

    def approval_threshold(self, currency: str) -> Decimal | None:
        """The BAC from which approving a project of `currency` needs a portfolio "approve"
        decision (None: never)."""
        return self.portfolio_approval_threshold.get(currency)

    def requires(self, gate: str) -> bool:
        """Whether the standards require this gate."""
        return gate in self.required_gates

    def require_portfolio_approval(
        self,
        *,
        project_id: UUID,
        budget_at_completion: Decimal,
        currency: str,
        decision: PortfolioDecision | None,
        on: date,
    ) -> None:
        """Refuse (409) approving on `on` a project whose BAC reaches the approval threshold
        unless `decision` (the latest in force for it then) is "approve"."""
        threshold = self.approval_threshold(currency)
        if threshold is None or budget_at_completion < threshold:
            return
        if decision is not None and decision.decision == APPROVE:
            return
        raise PortfolioDecisionRequiredError(
            project_id=project_id,
            budget_at_completion=budget_at_completion,
            threshold=threshold,
            currency=currency,
            found=decision,
            on=on,
        )


@dataclass(frozen=True, slots=True)
class PortfolioDecision:
    """A portfolio decision that applies to a project: on the project itself, or on a program
    whose member it was when decided (`kind` "program", `component_id` the program's)."""

    decision: str
    """approve, defer or terminate."""
    decided_on: date
    component_id: UUID
    kind: str


class PortfolioDecisionRequiredError(RuleViolationError):
    """A project this large needs the portfolio's "approve" decision before approval (409)."""

    code = "portfolio-decision-required"
    title = "A portfolio decision is required"

    def __init__(
        self,
        *,
        project_id: UUID,
        budget_at_completion: Decimal,
        threshold: Decimal,
        currency: str,
        found: PortfolioDecision | None,
        on: date,
    ) -> None:
        self.project_id = project_id
        self.budget_at_completion = budget_at_completion
        self.threshold = threshold
        self.currency = currency
        self.found = found
        self.on = on
        bac, limit = canonical(budget_at_completion, currency), canonical(threshold, currency)
        verdict = (
            "there is none"
            if found is None
            else f"the latest, of {found.decided_on} on {found.kind} {found.component_id}, "
            f"is {found.decision!r}"
        )
        super().__init__(
            f"project {project_id} has a budget at completion of {bac} {currency}, at or above "
            f"the PMO's portfolio-approval threshold of {limit} {currency}: approving it on "
            f"{on} needs a portfolio decision 'approve' in force then, and {verdict}"
        )

    def problem_extra(self) -> dict[str, Any]:
        """What the approval needs and what the portfolio decided, if anything."""
        found = self.found
        return {
            "project_id": str(self.project_id),
            "budget_at_completion": canonical(self.budget_at_completion, self.currency),
            "threshold": canonical(self.threshold, self.currency),
            "currency": self.currency,
            "approval_date": self.on.isoformat(),
            "required_decision": APPROVE,
            "decision": found.decision if found else None,
            "decided_on": found.decided_on.isoformat() if found else None,
            "decided_on_component": (
                {"component_id": str(found.component_id), "kind": found.kind} if found else None
            ),
        }
