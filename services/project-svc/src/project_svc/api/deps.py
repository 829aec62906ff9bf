"""Dependencies of the routes: the command bus and the context every command route shares
(the kernel's `pmo_shared.web.commands` has the caller, If-Match and the ETag)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import Depends, Request, Response

from pmo_shared.application.caller import Caller
from pmo_shared.application.handlers import Added, Command, CommandBus
from pmo_shared.application.idempotency import IdempotentRequest
from pmo_shared.web.commands import CallerDep, Idempotency, IfMatch, etag
from project_svc.api import schemas
from project_svc.api.views import office_read, project_read
from project_svc.application import queries
from project_svc.application.handlers import ProjectPolicy
from project_svc.application.ports import ProjectRows
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice

R = TypeVar("R")
A = TypeVar("A", Project, ProjectOffice)
ProjectBus = CommandBus[ProjectRows, ProjectPolicy]


async def get_bus(request: Request) -> ProjectBus:
    """The command bus built by the composition root."""
    bus: ProjectBus = request.app.state.commands
    return bus


Bus = Annotated[ProjectBus, Depends(get_bus)]


@dataclass(frozen=True, slots=True)
class On:
    """What a command route needs besides its body: which project, who asks, at which version;
    sends the command and answers with the new state and its ETag."""

    project_id: UUID
    bus: ProjectBus
    caller: Caller
    if_match: int | None
    response: Response
    idempotency: IdempotentRequest | None = None

    async def send(self, command: Command[R]) -> R:
        """Handle the command for the caller, once per Idempotency-Key (a retry gets the first
        result, marked `Idempotent-Replayed`)."""
        outcome = await self.bus.run(command, self.caller, idempotency=self.idempotency)
        if outcome.replayed:
            self.response.headers["Idempotent-Replayed"] = "true"
        return outcome.result

    async def project(self, project: Project) -> schemas.ProjectRead:
        """Answer with the project (large by the standards in force today) and its ETag."""
        self.response.headers["ETag"] = etag(project.version)
        return project_read(project, large=await queries.is_large(self.bus, self.caller, project))

    def office(self, office: ProjectOffice) -> schemas.OfficeRead:
        """Answer with the office and its ETag."""
        self.response.headers["ETag"] = etag(office.version)
        return office_read(office)

    def added(self, added: Added[A]) -> schemas.Created:
        """Answer with the id of what was added and the version its aggregate reached."""
        self.response.headers["ETag"] = etag(added.aggregate.version)
        return schemas.Created(id=added.id, version=added.aggregate.version)


async def on(
    project_id: UUID,
    bus: Bus,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
    idempotency: Idempotency,
) -> On:
    """The command context of a project or office route."""
    return On(project_id, bus, caller, if_match, response, idempotency)


OnRoute = Annotated[On, Depends(on)]
