"""What project-svc's handlers need beside the event store: its query rows (the project list
and each project's offices), written in the same unit of work as the events."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from pmo_shared.application.unit_of_work import QueryRows


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
    def large(self) -> bool: ...
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
    ) -> Sequence[ProjectListing]:
        """One page of the tenant's projects in creation order, after the cursor `after`."""
        ...
