"""One project as program-svc knows it from project-svc's events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ProjectRef:
    """A project of a tenant, as of the last of its events program-svc has applied."""

    project_id: UUID
    tenant_id: str
    code: str
    name: str
    status: str
    """project-svc's status: proposed, approved, active, on_hold, completed, cancelled, closed."""
    currency: str
    budget_at_completion: Decimal | None
    """The latest baseline's BAC (None before the first baseline)."""
    actual_cost: Decimal
    """AC to date: the sum of every cost recorded so far."""
    planned_start: date | None
    planned_finish: date | None
    percent_complete: Decimal | None
    """The latest reported percent complete (None before any report)."""
    last_version: int
    """The project stream version last applied."""
    updated_at: datetime

    @property
    def ended(self) -> bool:
        """Completed, cancelled or closed: a program may close with it still a member."""
        return self.status in ("completed", "cancelled", "closed")
