"""What project-svc's handlers need beside the event store: its query rows (the project list
and each project's offices), written in the same unit of work as the events, and what it knows
from portfolio-svc's events (the PMO's standards, the portfolio's decisions), read there too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from pmo_shared.application.unit_of_work import QueryRows
from project_svc.domain.standards import PortfolioDecision, Standards


class ProjectListing(Protocol):
    """One row of the project list."""

    @property
    def project_id(self) -> UUID: ...
    @property
    def seq(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def manager(self) -> str: ...
    @property
    def flagged_large(self) -> bool: ...
    @property
    def large(self) -> bool:
        """Flagged, or a BAC at the large-project threshold of the standards the list was
        read under."""
        ...

    @property
    def budget_at_completion(self) -> Decimal | None: ...
    @property
    def currency(self) -> str: ...
    @property
    def version(self) -> int: ...


class ProjectRows(QueryRows, Protocol):
    """The query rows of project-svc in one unit of work. `saved` refuses a second project with
    the same code in a tenant and a second live office of a project (`RuleViolationError`), also
    against a concurrent unit of work."""

    async def live_office_id(self, *, project_id: UUID, tenant_id: str) -> UUID | None:
        """The id of the project's office that has not been disbanded, if any."""
        ...

    async def latest_office_id(self, *, project_id: UUID, tenant_id: str) -> UUID | None:
        """The project's live office, or else the one disbanded last."""
        ...

    async def list_projects(
        self,
        *,
        tenant_id: str,
        status: str | None,
        manager: str | None,
        large: bool | None,
        after: int | None,
        limit: int,
        standards: Standards,
    ) -> Sequence[ProjectListing]:
        """One page of the tenant's projects in creation order, after the cursor `after`;
        `large` (the filter and each row's) by `standards` (`Project.is_large`)."""
        ...

    async def standards_on(self, *, tenant_id: str, on: date) -> Standards | None:
        """The tenant's PMO standards in force on `on` (None: no set is in force then)."""
        ...

    async def portfolio_decision(
        self, *, tenant_id: str, project_id: UUID, on: date
    ) -> PortfolioDecision | None:
        """The latest portfolio decision in force on `on` for the tenant's project, on it or
        on a program that covered it (None: none)."""
        ...
