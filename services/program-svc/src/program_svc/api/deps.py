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
from program_svc.api import schemas
from program_svc.api.views import program_read
from program_svc.application.ports import ProgramRows
from program_svc.domain.program import Program

R = TypeVar("R")
ProgramBus = CommandBus[ProgramRows, None]


async def get_bus(request: Request) -> ProgramBus:
    """The command bus built by the composition root."""
    bus: ProgramBus = request.app.state.commands
    return bus


Bus = Annotated[ProgramBus, Depends(get_bus)]


@dataclass(frozen=True, slots=True)
class On:
    """What a command route needs besides its body: which program, who asks, at which
    version; sends the command and answers with the new state and its ETag."""

    program_id: UUID
    bus: ProgramBus
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

    def program(self, program: Program) -> schemas.ProgramRead:
        """Answer with the program and its ETag."""
        return answer(program, self.response)

    def added(self, added: Added[Program]) -> schemas.Created:
        """Answer with the id of what was added and the version the program reached."""
        self.response.headers["ETag"] = etag(added.aggregate.version)
        return schemas.Created(id=added.id, version=added.aggregate.version)


def answer(program: Program, response: Response) -> schemas.ProgramRead:
    """The program's representation, its ETag on the response."""
    response.headers["ETag"] = etag(program.version)
    return program_read(program)


async def on(
    program_id: UUID,
    bus: Bus,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
    idempotency: Idempotency,
) -> On:
    """The command context of a program route."""
    return On(program_id, bus, caller, if_match, response, idempotency)


OnRoute = Annotated[On, Depends(on)]
