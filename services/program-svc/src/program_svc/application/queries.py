"""The reads of program-svc: a program now or as it was known, the list, the audit trail. Each
runs in a read-only unit of work of the caller's tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from pmo_shared.application.caller import Caller
from pmo_shared.application.errors import AggregateNotFoundError
from pmo_shared.application.handlers import CommandBus
from pmo_shared.domain.events import EventEnvelope
from program_svc.application.ports import ProgramListing, ProgramRows
from program_svc.domain.program import Program
from program_svc.domain.values import ProgramStatus

Bus = CommandBus[ProgramRows, None]


async def get_program(
    bus: Bus, caller: Caller, program_id: UUID, *, known_at: datetime | None = None
) -> Program:
    """The program now, or as the system knew it at `known_at` (from the events recorded by
    then: record time); 404 if the tenant has none (then)."""
    async with bus.reading(caller) as uow:
        return await uow.get(Program, program_id, as_of=known_at)


async def list_programs(
    bus: Bus,
    caller: Caller,
    *,
    status: ProgramStatus | None,
    manager: str | None,
    after: int | None,
    limit: int,
) -> Sequence[ProgramListing]:
    """One page of the caller's tenant's programs; `after` is the last row's `seq`."""
    async with bus.reading(caller) as uow:
        return await uow.rows.list_programs(
            tenant_id=caller.tenant,
            status=status.value if status else None,
            manager=manager,
            after=after,
            limit=limit,
        )


async def program_history(bus: Bus, caller: Caller, program_id: UUID) -> list[EventEnvelope]:
    """The program's events: its audit trail."""
    async with bus.reading(caller) as uow:
        recorded = await uow.events.read_stream(stream_id=program_id, tenant_id=caller.tenant)
    if not recorded or recorded[0].envelope.stream_type != Program.stream_type:
        raise AggregateNotFoundError("program", program_id)
    return [r.envelope for r in recorded]
