"""Programs and projects as portfolio-svc knows them from program-svc's and project-svc's
events (never from their databases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ProgramRef:
    """A program of a tenant, as of the last of its events portfolio-svc has applied."""

    program_id: UUID
    tenant_id: str
    code: str
    name: str
    status: str
    """program-svc's status: proposed, active, on_hold, closed, cancelled."""
    currency: str
    pool: Decimal | None
    """The funding pool (None before it is set): the program's cost as a component."""
    members: frozenset[UUID]
    """Its member projects now; a closed or cancelled program keeps those it ended with."""
    last_version: int
    updated_at: datetime

    @property
    def ended(self) -> bool:
        """Closed or cancelled: it can no longer become a component."""
        return self.status in ("closed", "cancelled")


@dataclass(frozen=True, slots=True)
class ProjectRef:
    """A project of a tenant, as of the last of its events portfolio-svc has applied."""

    project_id: UUID
    tenant_id: str
    code: str
    name: str
    status: str
    """project-svc's status: proposed, approved, active, on_hold, completed, cancelled, closed."""
    currency: str
    flagged_large: bool
    budget_at_completion: Decimal | None
    """The latest baseline's BAC (None before the first baseline): its cost as a component."""
    last_version: int
    updated_at: datetime

    @property
    def ended(self) -> bool:
        """Completed, cancelled or closed: it can no longer become a component."""
        return self.status in ("completed", "cancelled", "closed")
