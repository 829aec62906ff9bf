"""Named commands and their handlers, found through one map.

A command is a frozen dataclass with an imperative name (`RecordCost`), subclassing
`Command[R]` where `R` is what handling it returns. A handler is a short async function
`(command, context) -> R` registered with `@handlers.handles(RecordCost)`; `CommandBus.execute`
runs it in a unit of work of the caller's tenant, which commits when the handler returns. HTTP
routes and consumers (process managers) call the same `execute` with the same unit of work: a
route translates a request into a command and the result into a response, nothing more.

A command sent with an Idempotency-Key (`IdempotentRequest`) takes effect once: the bus keeps
a reference to its result (the aggregate and version it left, and the id of what it added) in
the same unit of work, and a retry gets that result again, rebuilt at that version, without
running the handler. Such commands return an aggregate or an `Added`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

from pmo_shared.application.caller import Caller
from pmo_shared.application.errors import StaleVersionError
from pmo_shared.application.idempotency import IdempotentRequest, JsonDict, request_hash
from pmo_shared.application.unit_of_work import Q, UnitOfWork, UnitsOfWork
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.events import EventMetadata
from pmo_shared.eventstore.store import ConcurrencyError, RecordedEvent

R = TypeVar("R")
Cfg = TypeVar("Cfg")
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


class Command(Generic[R]):
    """Base of every command; `R` is the type its handler returns."""


A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True, slots=True)
class Added(Generic[A]):
    """What a command added to an aggregate (a cost, a risk, a report ...): its id."""

    aggregate: A
    id: UUID


@dataclass(frozen=True, slots=True)
class Outcome(Generic[R]):
    """What handling returned, and whether it is a retry's replay of an earlier result."""

    result: R
    replayed: bool


TenantClock = Callable[[str], date]
"""A tenant's today: what `CommandContext.today` is for a command of that tenant."""


def utc_today(tenant: str) -> date:
    """Today in UTC, whatever the tenant: the default clock of commands."""
    return datetime.now(UTC).date()


def today_in(
    zone_of: Callable[[str], tzinfo], *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> TenantClock:
    """A clock that gives each tenant the date it is now in its own time zone (`zone_of`)."""

    def today(tenant: str) -> date:
        return now().astimezone(zone_of(tenant)).date()

    return today


@dataclass(frozen=True, slots=True)
class CommandContext(Generic[Q, Cfg]):
    """What a handler works with: the unit of work, who asks, the date it is for the caller's
    tenant (one clock for the whole command), the service's configuration."""

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
        clock: TenantClock = utc_today,
        aggregates: Sequence[type[Aggregate]] = (),
    ) -> None:
        self.handlers = handlers
        self.units = units
        self.config = config
        self.clock = clock
        self._kinds = {kind.stream_type: kind for kind in aggregates}

    async def execute(
        self, command: Command[R], caller: Caller, *, idempotency: IdempotentRequest | None = None
    ) -> R:
        """Handle `command` for `caller` in one transaction; what the handler returned."""
        return (await self.run(command, caller, idempotency=idempotency)).result

    async def run(
        self, command: Command[R], caller: Caller, *, idempotency: IdempotentRequest | None = None
    ) -> Outcome[R]:
        """Handle `command` for `caller` in one transaction, once per Idempotency-Key."""
        handler = self.handlers.handler_of(type(command))
        preconditions: dict[UUID, int] = {}
        try:
            async with self.units(caller.tenant, write=True) as uow:
                preconditions = uow.preconditions
                if idempotency is not None:
                    key, fingerprint = idempotency.record_key(caller.subject), request_hash(command)
                    earlier = await uow.idempotency.recall(
                        tenant_id=caller.tenant, key=key, request_hash=fingerprint
                    )
                    if earlier is not None:
                        return Outcome(cast(R, await self._replay(uow, earlier)), replayed=True)
                context = CommandContext(uow, caller, self.clock(caller.tenant), self.config)
                result = await handler(command, context)
                if idempotency is not None:
                    await uow.idempotency.remember(
                        tenant_id=caller.tenant,
                        key=key,
                        request_hash=fingerprint,
                        status_code=200,
                        response=self._reference(result),
                    )
        except ConcurrencyError as exc:
            expected = preconditions.get(exc.stream_id)
            if expected is None:
                raise
            # Another writer reached the version the caller's If-Match named first: for this
            # caller the precondition failed (412), whether the race was lost before or after
            # its own check.
            raise await self._stale(caller, exc.stream_id, expected) from exc
        return Outcome(cast(R, result), replayed=False)

    def _reference(self, result: object) -> JsonDict:
        added = result.id if isinstance(result, Added) else None
        aggregate = result.aggregate if isinstance(result, Added) else result
        if not isinstance(aggregate, Aggregate) or aggregate.stream_type not in self._kinds:
            raise TypeError(
                "a command sent with an Idempotency-Key must return an aggregate the bus was "
                "given (CommandBus(aggregates=...)) or an Added of one, not "
                f"{type(result).__name__}"
            )
        reference: JsonDict = {
            "stream_type": aggregate.stream_type,
            "id": str(aggregate.id),
            "version": aggregate.version,
        }
        if added is not None:
            reference["added"] = str(added)
        return reference

    async def _replay(self, uow: UnitOfWork[Q], reference: JsonDict) -> object:
        kind = self._kinds[reference["stream_type"]]
        aggregate = await uow.at_version(kind, UUID(reference["id"]), reference["version"])
        return Added(aggregate, UUID(reference["added"])) if "added" in reference else aggregate

    async def _stale(self, caller: Caller, stream_id: UUID, expected: int) -> StaleVersionError:
        async with self.reading(caller) as uow:
            actual = await uow.events.stream_version(stream_id=stream_id)
        return StaleVersionError(expected=expected, actual=actual)

    def reading(self, caller: Caller) -> AbstractAsyncContextManager[UnitOfWork[Q]]:
        """A read-only unit of work of the caller's tenant, for queries."""
        return self.units(caller.tenant, write=False)
