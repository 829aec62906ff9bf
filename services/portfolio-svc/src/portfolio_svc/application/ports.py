"""What portfolio-svc's handlers need beside the event store: its query rows (the portfolio
list, which portfolio holds each component), the programs and projects it knows from their
services' events, all read and written in the same unit of work as the events; and its
configuration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from pmo_shared.application.unit_of_work import QueryRows
from portfolio_svc.references.model import ProgramRef, ProjectRef


@dataclass(frozen=True, slots=True)
class PortfolioConfig:
    """What the handlers take from the settings: the large-project threshold of a tenant
    without PMO standards in force (`LARGE_PROJECT_THRESHOLD`, in any currency)."""

    large_project_threshold: Decimal


class PortfolioListing(Protocol):
    """One row of the portfolio list."""

    @property
    def portfolio_id(self) -> UUID: ...
    @property
    def seq(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def manager(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def version(self) -> int: ...


class PortfolioRows(QueryRows, Protocol):
    """The query rows of portfolio-svc in one unit of work. `saved` refuses a second portfolio
    with the same code in a tenant (`DuplicateCodeError`) and a component joining a second
    portfolio (`ComponentInAnotherPortfolioError`, naming the portfolio that has it), also
    against a concurrent unit of work."""

    async def portfolio_of_component(self, *, tenant_id: str, component_id: UUID) -> UUID | None:
        """The portfolio the program or project is a component of, if any."""
        ...

    async def program_ref(self, *, tenant_id: str, program_id: UUID) -> ProgramRef | None:
        """The program as portfolio-svc knows it from program-svc's events (None: not yet)."""
        ...

    async def project_ref(self, *, tenant_id: str, project_id: UUID) -> ProjectRef | None:
        """The project as portfolio-svc knows it from project-svc's events (None: not yet)."""
        ...

    async def program_refs(
        self, *, tenant_id: str, program_ids: Iterable[UUID]
    ) -> Mapping[UUID, ProgramRef]:
        """The programs of these ids that portfolio-svc knows, by id."""
        ...

    async def programs_with_member(self, *, tenant_id: str, project_id: UUID) -> Sequence[UUID]:
        """The programs that have the project as a member now, as portfolio-svc knows them."""
        ...

    async def list_portfolios(
        self, *, tenant_id: str, manager: str | None, after: int | None, limit: int
    ) -> Sequence[PortfolioListing]:
        """One page of the tenant's portfolios in creation order, after the cursor `after`."""
        ...
