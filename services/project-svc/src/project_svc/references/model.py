"""What project-svc keeps of portfolio-svc's events: each tenant's standards sets by date, and
each portfolio decision that applies to a project, by project."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from project_svc.domain.standards import PortfolioDecision, Standards


@dataclass(frozen=True, slots=True)
class StandardsSet:
    """One set of a tenant's standards, as of the last event that set it on its date."""

    tenant_id: str
    effective_on: date
    large_project_threshold: Mapping[str, Decimal]
    portfolio_approval_threshold: Mapping[str, Decimal]
    required_gates: tuple[str, ...]
    time_zone: str
    """The tenant's IANA time zone (kept, not yet applied: see `project_svc.references`)."""
    stream_version: int
    """The version of the event in the tenant's standards stream: a later one replaces a set
    of the same date, an earlier one never does."""
    recorded_at: datetime

    def standards(self) -> Standards:
        """The standards this set puts in force."""
        return Standards(
            large_project_threshold=dict(self.large_project_threshold),
            portfolio_approval_threshold=dict(self.portfolio_approval_threshold),
            required_gates=frozenset(self.required_gates),
            effective_on=self.effective_on,
        )


@dataclass(frozen=True, slots=True)
class DecisionRef:
    """A portfolio decision as it applies to one project: the `DecisionRecorded` event
    `event_id`, version `stream_version` of portfolio `portfolio_id`'s stream, on the project
    or on a program that covered it."""

    tenant_id: str
    project_id: UUID
    event_id: UUID
    portfolio_id: UUID
    stream_version: int
    component_id: UUID
    kind: str
    decision: str
    decided_on: date
    recorded_at: datetime

    @property
    def key(self) -> tuple[str, UUID, UUID, int]:
        """What identifies it: one version of a portfolio's stream (whatever its event id: a
        copy of a version already taken is the same decision), on one project of a tenant."""
        return (self.tenant_id, self.project_id, self.portfolio_id, self.stream_version)

    @property
    def order(self) -> tuple[date, datetime, int, UUID]:
        """Later decisions sort later: by business date, then as recorded."""
        return (self.decided_on, self.recorded_at, self.stream_version, self.event_id)

    def portfolio_decision(self) -> PortfolioDecision:
        """The decision the domain sees."""
        return PortfolioDecision(
            decision=self.decision,
            decided_on=self.decided_on,
            component_id=self.component_id,
            kind=self.kind,
        )


@dataclass(frozen=True, slots=True)
class PortfolioRefs:
    """Reference rows (all of them, or those a batch of events touches), with the tenant of
    each project and portfolio known (`owners`), which events of another tenant may not name.

    `standards_on` and `decision_on` answer as the tables do (`store`)."""

    standards: Mapping[tuple[str, date], StandardsSet] = field(default_factory=dict)
    decisions: Mapping[tuple[str, UUID, UUID, int], DecisionRef] = field(default_factory=dict)
    owners: Mapping[UUID, str] = field(default_factory=dict)

    def standards_on(self, tenant_id: str, on: date) -> StandardsSet | None:
        """The tenant's set in force on `on`: the last dated on or before it (None: none)."""
        dated = [s for (t, d), s in self.standards.items() if t == tenant_id and d <= on]
        return max(dated, key=lambda s: s.effective_on, default=None)

    def decision_on(self, tenant_id: str, project_id: UUID, on: date) -> DecisionRef | None:
        """The latest decision in force for the tenant's project on `on` (None: none)."""
        found = [
            d
            for (t, p, _, _), d in self.decisions.items()
            if t == tenant_id and p == project_id and d.decided_on <= on
        ]
        return max(found, key=lambda d: d.order, default=None)
