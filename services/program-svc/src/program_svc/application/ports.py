"""What program-svc's handlers need beside the event store: its query rows (the program list,
which program holds each project) and the projects it knows from project-svc's events, all
read and written in the same unit of work as the events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol
from uuid import UUID

from pmo_shared.application.unit_of_work import QueryRows
from program_svc.references.model import ProjectRef


class ProgramListing(Protocol):
    """One row of the program list."""

    @property
    def program_id(self) -> UUID: ...
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
    def currency(self) -> str: ...
    @property
    def version(self) -> int: ...


class ProgramRows(QueryRows, Protocol):
    """The query rows of program-svc in one unit of work. `saved` refuses a second program with
    the same code in a tenant (`DuplicateCodeError`) and a project joining a second program
    (`ProjectInAnotherProgramError`, naming the program that has it), also against a concurrent
    unit of work."""

    async def program_of_member(self, *, tenant_id: str, project_id: UUID) -> UUID | None:
        """The program the project is a member of, if any."""
        ...

    async def project_ref(self, *, tenant_id: str, project_id: UUID) -> ProjectRef | None:
        """The project as program-svc knows it from project-svc's events (None: not yet)."""
        ...

    async def project_refs(
        self, *, tenant_id: str, project_ids: Iterable[UUID]
    ) -> Mapping[UUID, ProjectRef]:
        """The projects of these ids that program-svc knows, by id."""
        ...

    async def list_programs(
        self,
        *,
        tenant_id: str,
        status: str | None,
        manager: str | None,
        after: int | None,
        limit: int,
    ) -> Sequence[ProgramListing]:
        """One page of the tenant's programs in creation order, after the cursor `after`."""
        ...
