"""Named commands and their handlers, found through one map.

A command is a frozen dataclass with an imperative name (`RecordCost`), subclassing
`Command[R]` where `R` is what handling it returns. A handler is a short async function
`(command, context) -> R` registered with `@handlers.handles(RecordCost)`; `CommandBus.execute`
runs it in a unit of work of the caller's tenant, which commits when the handler returns. HTTP
routes and consumers (process managers) call the same `execute` with the same unit of work: a
route translates a request into a command and the result into a response, nothing more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

from pmo_shared.application.caller import Caller
from pmo_shared.application.errors import StaleVersionError
from pmo_shared.application.unit_of_work import Q, UnitOfWork, UnitsOfWork
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.events import EventMetadata
from pmo_shared.eventstore.store import ConcurrencyError, RecordedEvent

R = TypeVar("R")
Cfg = TypeVar("Cfg")
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


class Command(Generic[R]):
    """Base of every command; `R` is the type its handler returns."""


def utc_today() -> date:
    """Today in UTC: the default clock of commands."""
    return datetime.now(UTC).date()


@dataclass(frozen=True, slots=True)
class CommandContext(Generic[Q, Cfg]):
    """What a handler works with: the unit of work, who asks, one clock, the service's
    configuration."""

    uow: UnitOfWork[Q]
    caller: Caller
    today: date
    config: Cfg

    def metadata(self) -> EventMetadata:
        """The metadata of every event this command appends."""
        return self.caller.metadata()

    async def save(self, aggregate: Aggregate) -> list[RecordedEvent]:
        """Append the aggregate's new events as the caller's."""
        return await self.uow.save(aggregate, metadata=self.metadata())


class CommandHandlers(Generic[Q, Cfg]):
    """The map from command type to handler of one service."""

    def __init__(self) -> None:
        self._handlers: dict[type[Any], Callable[..., Awaitable[Any]]] = {}

    def handles(self, command_type: type[Command[Any]]) -> Callable[[F], F]:
        """Register the decorated function as the handler of `command_type`."""

        def register(handler: F) -> F:
            if command_type in self._handlers:
                raise ValueError(f"{command_type.__name__} has a handler already")
            self._handlers[command_type] = handler
            return handler

        return register

    def handler_of(self, command_type: type[Any]) -> Callable[..., Awaitable[Any]]:
        """The handler of a command type; LookupError if it has none."""
        try:
            return self._handlers[command_type]
        except KeyError:
            raise LookupError(f"no handler for {command_type.__name__}") from None

    def __contains__(self, command_type: object) -> bool:
        return command_type in self._handlers


class CommandBus(Generic[Q, Cfg]):
    """Runs commands through their handlers, each in a unit of work of its own."""

    def __init__(
        self,
        handlers: CommandHandlers[Q, Cfg],
        units: UnitsOfWork[Q],
        *,
        config: Cfg,
        clock: Callable[[], date] = utc_today,
    ) -> None:
        self.handlers = handlers
        self.units = units
        self.config = config
        self.clock = clock

    async def execute(self, command: Command[R], caller: Caller) -> R:
        """Handle `command` for `caller` in one transaction; what the handler returned."""
        handler = self.handlers.handler_of(type(command))
        preconditions: dict[UUID, int] = {}
        try:
            async with self.units(caller.tenant, write=True) as uow:
                preconditions = uow.preconditions
                context = CommandContext(uow, caller, self.clock(), self.config)
                result = await handler(command, context)
        except ConcurrencyError as exc:
            expected = preconditions.get(exc.stream_id)
            if expected is None:
                raise
            # Another writer reached the version the caller's If-Match named first: for this
            # caller the precondition failed (412), whether the race was lost before or after
            # its own check.
            raise await self._stale(caller, exc.stream_id, expected) from exc
        return cast(R, result)

    async def _stale(self, caller: Caller, stream_id: UUID, expected: int) -> StaleVersionError:
        async with self.reading(caller) as uow:
            actual = await uow.events.stream_version(stream_id=stream_id)
        return StaleVersionError(expected=expected, actual=actual)

    def reading(self, caller: Caller) -> AbstractAsyncContextManager[UnitOfWork[Q]]:
        """A read-only unit of work of the caller's tenant, for queries."""
        return self.units(caller.tenant, write=False)
