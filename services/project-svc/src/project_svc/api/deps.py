"""Dependencies of the routes: the service, the caller, the If-Match precondition, and the
context every command route shares."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import Depends, Header, Request, Response

from pmo_shared.telemetry.logs import get_correlation_id
from pmo_shared.web.auth import CurrentPrincipal
from pmo_shared.web.problems import Problem
from project_svc.api import schemas
from project_svc.api.views import etag, office_read, project_read
from project_svc.application.service import Caller, ProjectService
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice

_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')
T = TypeVar("T")


async def get_service(request: Request) -> ProjectService:
    """The service built by the composition root."""
    service: ProjectService = request.app.state.project_service
    return service


async def get_caller(principal: CurrentPrincipal) -> Caller:
    """The authenticated caller with the request's correlation id."""
    return Caller(principal=principal, correlation_id=get_correlation_id())


async def get_if_match(
    if_match: Annotated[
        str | None,
        Header(description='the ETag you read, e.g. "3"; the command fails with 412 if stale'),
    ] = None,
) -> int | None:
    """The version named by If-Match (`*` or absent: no precondition)."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise Problem(400, slug="bad-if-match", detail='If-Match must be an ETag such as "3"')
    return int(match.group(1))


Service = Annotated[ProjectService, Depends(get_service)]
CallerDep = Annotated[Caller, Depends(get_caller)]
IfMatch = Annotated[int | None, Depends(get_if_match)]


@dataclass(frozen=True, slots=True)
class OnProject:
    """What a command route needs besides its body: which project, who asks, at which
    version; runs the command and answers with the new state and its ETag."""

    project_id: UUID
    service: ProjectService
    caller: Caller
    if_match: int | None
    response: Response

    @property
    def today(self) -> date:
        """One clock for every command."""
        return self.service.today()

    async def run(self, command: Callable[[Project], T]) -> tuple[schemas.ProjectRead, T]:
        """Run a command on the project; its representation and what the command returned."""
        project, result = await self.service.change(
            self.caller, self.project_id, command, if_match=self.if_match
        )
        self.response.headers["ETag"] = etag(project.version)
        return project_read(project, large_threshold=self.service.large_threshold), result

    async def change(self, command: Callable[[Project], object]) -> schemas.ProjectRead:
        """Run a command and answer with the project."""
        return (await self.run(command))[0]

    async def add(self, command: Callable[[Project], UUID]) -> schemas.Created:
        """Run a command that adds a part (cost, risk, ...) and answer with its id."""
        read, new_id = await self.run(command)
        return schemas.Created(id=new_id, version=read.version)


@dataclass(frozen=True, slots=True)
class OnOffice:
    """The same for a project's Project Office."""

    project_id: UUID
    service: ProjectService
    caller: Caller
    if_match: int | None
    response: Response

    async def run(
        self, command: Callable[[ProjectOffice], T], *, lead_may: bool = True
    ) -> tuple[schemas.OfficeRead, T]:
        """Run a command on the office (its lead may too, where `lead_may`)."""
        office, result = await self.service.change_office(
            self.caller, self.project_id, command, if_match=self.if_match, lead_may=lead_may
        )
        self.response.headers["ETag"] = etag(office.version)
        return office_read(office), result

    async def add(self, command: Callable[[ProjectOffice], UUID]) -> schemas.Created:
        """Run a command that adds a report or document and answer with its id."""
        read, new_id = await self.run(command)
        return schemas.Created(id=new_id, version=read.version)


async def on_project(
    project_id: UUID, service: Service, caller: CallerDep, if_match: IfMatch, response: Response
) -> OnProject:
    """The command context of a project route."""
    return OnProject(project_id, service, caller, if_match, response)


async def on_office(
    project_id: UUID, service: Service, caller: CallerDep, if_match: IfMatch, response: Response
) -> OnOffice:
    """The command context of an office route."""
    return OnOffice(project_id, service, caller, if_match, response)


ProjectCommand = Annotated[OnProject, Depends(on_project)]
OfficeCommand = Annotated[OnOffice, Depends(on_office)]
