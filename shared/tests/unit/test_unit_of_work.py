"""The kernel's write side with no servers: `UnitOfWork` and `InMemoryUnitsOfWork` (saving,
loading, the aggregate cache), `CommandBus` and `CommandHandlers`, the caller's metadata and the
in-memory Idempotency-Key records. A tiny counter aggregate stands in for a service's."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from pmo_shared.application.caller import Caller, Principal, Role
from pmo_shared.application.errors import (
    AggregateNotFoundError,
    ForbiddenError,
    IdempotencyKeyReuseError,
    StaleVersionError,
)
from pmo_shared.application.handlers import (
    Added,
    Command,
    CommandBus,
    CommandContext,
    CommandHandlers,
)
from pmo_shared.application.idempotency import (
    IdempotentRequest,
    InMemoryIdempotencyRecords,
    request_hash,
)
from pmo_shared.application.unit_of_work import InMemoryUnitsOfWork, check_version
from pmo_shared.domain.aggregate import Aggregate, applies
from pmo_shared.domain.errors import InvalidValueError
from pmo_shared.domain.events import DomainEvent, EventMetadata, EventRegistry
from pmo_shared.eventstore.memory import InMemoryEventStore
from pmo_shared.eventstore.store import ConcurrencyError, RecordedEvent

TENANT = "t1"
TODAY = date(2026, 6, 15)
registry = EventRegistry()


@registry.register
class CounterIncremented(DomainEvent):
    event_type = "CounterIncremented"
    amount: int


class Counter(Aggregate):
    stream_type = "counter"

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.total = 0

    def increment(self, amount: int) -> None:
        if amount <= 0:
            raise InvalidValueError("a counter only goes up")
        self.record(CounterIncremented(amount=amount))

    @applies(CounterIncremented)
    def _on_incremented(self, e: CounterIncremented) -> None:
        self.total += e.amount


class CounterRows:
    """Query rows that only note what was saved."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self.store = store
        self.saved_versions: list[tuple[UUID, list[int]]] = []

    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        self.saved_versions.append((aggregate.id, [r.envelope.stream_version for r in recorded]))


@dataclass
class Settings:
    """The service's configuration, as handlers see it; `seen` lets a test look at what a
    handler worked on."""

    max_amount: int = 100
    seen: list[Counter] = field(default_factory=list)


# -- commands and their handlers ---------------------------------------------------------------
@dataclass(frozen=True)
class Increment(Command[Counter]):
    counter_id: UUID
    amount: int
    expected_version: int | None = None


@dataclass(frozen=True)
class IncrementThenFail(Command[None]):
    counter_id: UUID
    amount: int


@dataclass(frozen=True)
class Look(Command[Counter]):
    counter_id: UUID


@dataclass(frozen=True)
class WhatIsMyContext(Command["CommandContext[CounterRows, Settings]"]):
    pass


@dataclass(frozen=True)
class Unhandled(Command[None]):
    pass


Context = CommandContext[CounterRows, Settings]
HANDLERS: CommandHandlers[CounterRows, Settings] = CommandHandlers()


@HANDLERS.handles(Increment)
async def increment(cmd: Increment, ctx: Context) -> Counter:
    counter = await ctx.uow.load(Counter, cmd.counter_id) or Counter(cmd.counter_id)
    check_version(counter, cmd.expected_version)
    if cmd.amount > ctx.config.max_amount:
        raise InvalidValueError(f"at most {ctx.config.max_amount} at a time")
    counter.increment(cmd.amount)
    await ctx.save(counter)
    ctx.config.seen.append(counter)
    return counter


@HANDLERS.handles(IncrementThenFail)
async def increment_then_fail(cmd: IncrementThenFail, ctx: Context) -> None:
    counter = await ctx.uow.get(Counter, cmd.counter_id)
    counter.increment(cmd.amount)
    await ctx.save(counter)
    ctx.config.seen.append(counter)
    raise RuntimeError("the handler failed after saving")


@HANDLERS.handles(Look)
async def look(cmd: Look, ctx: Context) -> Counter:
    counter = await ctx.uow.get(Counter, cmd.counter_id)
    await ctx.save(counter)  # nothing recorded: nothing to append
    return counter


@HANDLERS.handles(WhatIsMyContext)
async def what_is_my_context(cmd: WhatIsMyContext, ctx: Context) -> Context:
    return ctx


# -- the world ---------------------------------------------------------------------------------
def caller(subject: str = "ann", tenant: str = TENANT, *roles: Role) -> Caller:
    return Caller(
        Principal(subject, tenant, frozenset(roles or {Role.PMO})),
        correlation_id=f"corr-{subject}",
    )


ANN = caller()


@dataclass
class World:
    units: InMemoryUnitsOfWork[CounterRows]
    bus: CommandBus[CounterRows, Settings]
    settings: Settings

    @classmethod
    def new(cls) -> World:
        units = InMemoryUnitsOfWork(registry, rows=CounterRows)
        settings = Settings()
        bus = CommandBus(
            HANDLERS, units, config=settings, clock=lambda _tenant: TODAY, aggregates=(Counter,)
        )
        return cls(units, bus, settings)

    @property
    def store(self) -> InMemoryEventStore:
        return self.units.store

    def versions(self, stream_id: UUID) -> list[int]:
        return [
            r.envelope.stream_version
            for r in self.store.events()
            if r.envelope.stream_id == stream_id
        ]

    async def counter(self, *amounts: int) -> UUID:
        """Given a counter incremented by each amount, one command each."""
        counter_id = uuid4()
        for amount in amounts:
            await self.bus.execute(Increment(counter_id, amount), ANN)
        return counter_id


@pytest.fixture
def world() -> World:
    return World.new()


# -- saving ------------------------------------------------------------------------------------
async def test_save_appends_the_collected_events_at_the_loaded_version(world: World) -> None:
    counter_id = uuid4()
    meta = ANN.metadata()
    async with world.units(TENANT, write=True) as uow:
        new = Counter(counter_id)
        new.increment(1)
        new.increment(2)
        first = await uow.save(new, metadata=meta)
        assert (new.version, new.pending, new.total) == (2, [], 3)  # marked committed
    async with world.units(TENANT, write=True) as uow:
        loaded = await uow.get(Counter, counter_id)
        assert loaded.version == 2
        loaded.increment(4)
        second = await uow.save(loaded, metadata=meta)

    assert [r.envelope.stream_version for r in first] == [1, 2]
    assert [r.envelope.stream_version for r in second] == [3]
    events = world.store.events()
    assert [(e.envelope.stream_version, e.envelope.payload["amount"]) for e in events] == [
        (1, 1),
        (2, 2),
        (3, 4),
    ]
    assert {(e.envelope.stream_type, e.envelope.event_type) for e in events} == {
        ("counter", "CounterIncremented")
    }
    assert [r.position for r in first + second] == [e.position for e in events]
    assert world.units.rows.saved_versions == [(counter_id, [1, 2]), (counter_id, [3])]


async def test_saving_nothing_appends_nothing(world: World) -> None:
    counter_id = await world.counter(1)
    world.units.rows.saved_versions.clear()

    async with world.units(TENANT, write=True) as uow:
        counter = await uow.get(Counter, counter_id)
        assert await uow.save(counter, metadata=ANN.metadata()) == []
    looked = await world.bus.execute(Look(counter_id), ANN)

    assert looked.version == 1
    assert world.versions(counter_id) == [1]
    assert world.units.rows.saved_versions == []  # no rows refreshed either


async def test_saving_a_stale_aggregate_conflicts_and_commits_none_of_it(world: World) -> None:
    counter_id = await world.counter(1)

    async with world.units(TENANT, write=True) as uow:
        mine = await uow.get(Counter, counter_id)
        # Meanwhile another unit of work (another request) commits an event of the stream.
        await asyncio.create_task(world.bus.execute(Increment(counter_id, 10), caller("bob")))
        mine.increment(5)
        with pytest.raises(ConcurrencyError):
            await uow.save(mine, metadata=ANN.metadata())

    assert world.versions(counter_id) == [1, 2]
    async with world.units(TENANT, write=False) as uow:
        now = await uow.get(Counter, counter_id)
    assert now is not mine  # it still had uncommitted events: never checked back in
    assert (now.version, now.total) == (2, 11)


# -- a failed command --------------------------------------------------------------------------
async def test_a_handler_that_raises_commits_nothing(world: World) -> None:
    counter_id = await world.counter(1)

    with pytest.raises(RuntimeError, match="failed after saving"):
        await world.bus.execute(IncrementThenFail(counter_id, 5), ANN)

    assert world.versions(counter_id) == [1]
    assert len(world.store.events()) == 1


async def test_a_failed_commands_aggregate_is_not_checked_back_in(world: World) -> None:
    counter_id = await world.counter(1)
    with pytest.raises(RuntimeError):
        await world.bus.execute(IncrementThenFail(counter_id, 5), ANN)
    failed = world.settings.seen[-1]
    assert (failed.version, failed.total) == (2, 6)  # it believes its event was appended

    later = await world.bus.execute(Increment(counter_id, 2, expected_version=1), ANN)

    assert later is not failed
    assert (later.version, later.total) == (2, 3)  # only the committed events
    assert world.versions(counter_id) == [1, 2]


async def test_a_refused_command_leaves_the_aggregate_as_committed(world: World) -> None:
    counter_id = await world.counter(1)

    with pytest.raises(InvalidValueError):
        await world.bus.execute(Increment(counter_id, 0), ANN)

    assert world.versions(counter_id) == [1]
    again = await world.bus.execute(Increment(counter_id, 1, expected_version=1), ANN)
    assert again.version == 2


# -- loading and the cache ---------------------------------------------------------------------
async def test_a_committed_aggregate_serves_the_next_command(world: World) -> None:
    counter_id = uuid4()
    first = await world.bus.execute(Increment(counter_id, 1), ANN)

    second = await world.bus.execute(Increment(counter_id, 2), ANN)

    assert second is first  # from the cache, caught up and changed
    assert (second.version, second.total) == (2, 3)


async def test_a_cached_aggregate_catches_up_with_events_appended_elsewhere(
    world: World,
) -> None:
    counter_id = await world.counter(1)
    cached = world.settings.seen[-1]
    async with world.store.transaction() as events:  # another replica, past this cache
        await events.append(
            stream_type="counter",
            stream_id=counter_id,
            expected_version=1,
            events=[CounterIncremented(amount=7)],
            metadata=ANN.metadata(),
        )

    async with world.units(TENANT, write=False) as uow:
        now = await uow.get(Counter, counter_id)

    assert now is cached
    assert (now.version, now.total) == (2, 8)


async def test_a_past_state_is_never_cached(world: World) -> None:
    counter_id = await world.counter(1)
    await asyncio.sleep(0.002)
    await world.bus.execute(Increment(counter_id, 2), ANN)
    first_at = world.store.events()[0].envelope.occurred_at

    async with world.units(TENANT, write=False) as uow:
        then = await uow.get(Counter, counter_id, as_of=first_at)
        before = await uow.load(Counter, counter_id, as_of=first_at - timedelta(seconds=1))
    async with world.units(TENANT, write=False) as uow:
        now = await uow.get(Counter, counter_id)

    assert (then.version, then.total) == (1, 1)
    assert before is None
    assert now is not then
    assert (now.version, now.total) == (2, 3)


async def test_get_refuses_an_unknown_aggregate(world: World) -> None:
    missing = uuid4()

    async with world.units(TENANT, write=False) as uow:
        assert await uow.load(Counter, missing) is None
        with pytest.raises(AggregateNotFoundError, match=f"^counter {missing} not found$") as e:
            await uow.get(Counter, missing)
        with pytest.raises(AggregateNotFoundError, match=f"^tally {missing} not found$"):
            await uow.get(Counter, missing, what="tally")

    assert (e.value.status, e.value.code, e.value.aggregate_id) == (404, "not-found", missing)


async def test_get_refuses_another_tenants_aggregate(world: World) -> None:
    counter_id = await world.counter(1)

    async with world.units("t2", write=False) as uow:
        assert await uow.load(Counter, counter_id) is None
        with pytest.raises(AggregateNotFoundError):
            await uow.get(Counter, counter_id)


async def test_get_refuses_a_stale_expected_version(world: World) -> None:
    counter_id = await world.counter(1, 2)

    async with world.units(TENANT, write=False) as uow:
        assert (await uow.get(Counter, counter_id, expected_version=2)).version == 2
    async with world.units(TENANT, write=False) as uow:
        with pytest.raises(StaleVersionError) as refused:
            await uow.get(Counter, counter_id, expected_version=1)

    stale = refused.value
    assert (stale.status, stale.code, stale.expected, stale.actual) == (
        412,
        "stale-version",
        1,
        2,
    )
    assert stale.problem_extra() == {"current_version": 2}


async def test_a_command_at_a_stale_version_appends_nothing(world: World) -> None:
    counter_id = await world.counter(1, 2)

    with pytest.raises(StaleVersionError):
        await world.bus.execute(Increment(counter_id, 3, expected_version=1), ANN)

    assert world.versions(counter_id) == [1, 2]


# -- the bus and the handler map ---------------------------------------------------------------
async def test_the_bus_gives_the_handler_its_unit_caller_clock_and_config(
    world: World,
) -> None:
    someone = caller("zoe", "t9", Role.VIEWER)

    ctx = await world.bus.execute(WhatIsMyContext(), someone)

    assert (ctx.caller, ctx.today, ctx.config) == (someone, TODAY, world.settings)
    assert ctx.uow.tenant_id == "t9"
    assert ctx.metadata() == someone.metadata()


async def test_the_events_of_a_command_carry_its_callers_metadata(world: World) -> None:
    consumer = Caller.system(
        "program-svc",
        tenant=TENANT,
        roles=frozenset({Role.PMO}),
        correlation_id="corr-42",
        causation_id="evt-7",
    )

    counter = await world.bus.execute(Increment(uuid4(), 1), consumer)

    [event] = world.store.events()
    assert event.envelope.stream_id == counter.id
    assert (
        event.envelope.tenant_id,
        event.envelope.actor,
        event.envelope.correlation_id,
        event.envelope.causation_id,
    ) == (TENANT, "system:program-svc", "corr-42", "evt-7")


async def test_a_command_type_without_a_handler_is_a_lookup_error(world: World) -> None:
    with pytest.raises(LookupError, match="no handler for Unhandled"):
        await world.bus.execute(Unhandled(), ANN)

    assert Unhandled not in HANDLERS
    assert Increment in HANDLERS
    assert world.store.events() == []


def test_a_command_type_has_one_handler() -> None:
    handlers: CommandHandlers[CounterRows, Settings] = CommandHandlers()
    handlers.handles(Increment)(increment)

    with pytest.raises(ValueError, match="Increment has a handler already"):
        handlers.handles(Increment)(look)

    assert handlers.handler_of(Increment) is increment


def test_the_handles_decorator_returns_the_handler_itself() -> None:
    handlers: CommandHandlers[CounterRows, Settings] = CommandHandlers()

    registered = handlers.handles(Look)(look)

    assert registered is look


# -- the caller --------------------------------------------------------------------------------
def test_a_callers_metadata_carries_tenant_actor_correlation_and_causation() -> None:
    user = Caller(Principal("ann", "t1", frozenset({Role.PMO})), correlation_id="corr-1")
    consumer = Caller.system(
        "program-svc",
        tenant="t2",
        roles=frozenset({Role.PMO}),
        correlation_id="corr-2",
        causation_id="evt-3",
    )

    assert user.metadata() == EventMetadata(
        tenant_id="t1", actor="ann", correlation_id="corr-1", causation_id=None
    )
    assert consumer.metadata() == EventMetadata(
        tenant_id="t2", actor="system:program-svc", correlation_id="corr-2", causation_id="evt-3"
    )
    assert (consumer.subject, consumer.tenant) == ("system:program-svc", "t2")


def test_a_caller_without_the_role_is_forbidden() -> None:
    viewer = caller("vic", TENANT, Role.VIEWER)

    assert viewer.has_role(Role.VIEWER, Role.PMO)
    assert not viewer.has_role(Role.PMO)
    viewer.require_role(Role.VIEWER)
    with pytest.raises(ForbiddenError, match="pmo, project_manager") as refused:
        viewer.require_role(Role.PMO, Role.PROJECT_MANAGER)
    assert refused.value.status == 403


# -- Idempotency-Key records -------------------------------------------------------------------
async def test_idempotency_records_in_memory() -> None:
    records = InMemoryIdempotencyRecords()
    first, other = request_hash({"a": 1, "b": 2}), request_hash({"a": 1, "b": 3})

    assert await records.recall(tenant_id="t1", key="k", request_hash=first) is None
    await records.remember(
        tenant_id="t1", key="k", request_hash=first, status_code=201, response={"id": "x"}
    )

    assert await records.recall(tenant_id="t1", key="k", request_hash=first) == {"id": "x"}
    with pytest.raises(IdempotencyKeyReuseError) as refused:
        await records.recall(tenant_id="t1", key="k", request_hash=other)
    assert (refused.value.status, refused.value.code) == (422, "idempotency-key-reused")
    assert await records.recall(tenant_id="t2", key="k", request_hash=other) is None
    assert await records.recall(tenant_id="t1", key="k2", request_hash=other) is None


def test_a_request_hash_ignores_key_order_only() -> None:
    assert request_hash({"a": 1, "b": [1, 2]}) == request_hash({"b": [1, 2], "a": 1})
    assert request_hash({"a": 1, "b": [1, 2]}) != request_hash({"a": 1, "b": [2, 1]})


async def test_the_units_of_work_share_their_idempotency_records(world: World) -> None:
    async with world.units(TENANT, write=True) as uow:
        await uow.idempotency.remember(
            tenant_id=TENANT, key="k", request_hash="h", status_code=201, response={"n": 1}
        )
    async with world.units(TENANT, write=True) as uow:
        assert await uow.idempotency.recall(tenant_id=TENANT, key="k", request_hash="h") == {"n": 1}


async def test_a_record_remembered_in_a_unit_that_raised_is_forgotten(world: World) -> None:
    async def remember_then_fail() -> None:
        async with world.units(TENANT, write=True) as uow:
            await uow.idempotency.remember(
                tenant_id=TENANT, key="k", request_hash="h", status_code=201, response={"n": 1}
            )
            raise RuntimeError("the handler failed after remembering")

    with pytest.raises(RuntimeError):
        await remember_then_fail()

    async with world.units(TENANT, write=True) as uow:
        assert await uow.idempotency.recall(tenant_id=TENANT, key="k", request_hash="h") is None


# -- a race on an If-Match -----------------------------------------------------------------------
@dataclass(frozen=True)
class IncrementSlowly(Command[Counter]):
    """Like Increment, but lets other tasks run between the version check and the append."""

    counter_id: UUID
    amount: int
    expected_version: int | None = None


@HANDLERS.handles(IncrementSlowly)
async def increment_slowly(cmd: IncrementSlowly, ctx: Context) -> Counter:
    counter = await ctx.uow.get(Counter, cmd.counter_id, expected_version=cmd.expected_version)
    await asyncio.sleep(0)  # every racer passes its If-Match check before anyone appends
    counter.increment(cmd.amount)
    await ctx.save(counter)
    return counter


async def test_losers_of_a_race_to_the_version_their_if_match_named_get_412(world: World) -> None:
    counter_id = await world.counter(1)

    results = await asyncio.gather(
        *(
            world.bus.execute(IncrementSlowly(counter_id, 1, expected_version=1), ANN)
            for _ in "abc"
        ),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, Counter)]
    losers = [r for r in results if not isinstance(r, Counter)]
    assert len(winners) == 1
    assert [type(r) for r in losers] == [StaleVersionError, StaleVersionError]
    assert all(isinstance(r, StaleVersionError) and r.actual == 2 for r in losers)
    assert world.versions(counter_id) == [1, 2]


async def test_a_race_without_if_match_stays_a_concurrency_conflict(world: World) -> None:
    counter_id = await world.counter(1)

    results = await asyncio.gather(
        *(world.bus.execute(IncrementSlowly(counter_id, 1), ANN) for _ in "ab"),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["ConcurrencyError", "Counter"]


# -- commands sent with an Idempotency-Key -------------------------------------------------------
@dataclass(frozen=True)
class Tally(Command["Added[Counter]"]):
    """Increments and names the increment: a command that adds something."""

    counter_id: UUID
    amount: int


@HANDLERS.handles(Tally)
async def tally(cmd: Tally, ctx: Context) -> Added[Counter]:
    counter = await ctx.uow.load(Counter, cmd.counter_id) or Counter(cmd.counter_id)
    counter.increment(cmd.amount)
    await ctx.save(counter)
    return Added(counter, uuid4())


COSTS = IdempotentRequest(key="k-1", route="POST /counters/{id}/tally")


async def test_a_retry_with_the_same_key_takes_effect_once_and_gets_the_first_result(
    world: World,
) -> None:
    counter_id = await world.counter(1)

    first = await world.bus.run(Tally(counter_id, 5), ANN, idempotency=COSTS)
    await world.bus.execute(Increment(counter_id, 1), ANN)  # the counter moves on meanwhile
    again = await world.bus.run(Tally(counter_id, 5), ANN, idempotency=COSTS)

    assert (first.replayed, again.replayed) == (False, True)
    assert again.result.id == first.result.id
    assert (again.result.aggregate.version, again.result.aggregate.total) == (2, 6)
    assert again.result.aggregate is not first.result.aggregate  # rebuilt, never the cached one
    assert world.versions(counter_id) == [1, 2, 3]


async def test_the_same_key_with_a_different_request_is_refused(world: World) -> None:
    counter_id = await world.counter(1)
    await world.bus.execute(Tally(counter_id, 5), ANN, idempotency=COSTS)

    with pytest.raises(IdempotencyKeyReuseError):
        await world.bus.execute(Tally(counter_id, 6), ANN, idempotency=COSTS)
    assert world.versions(counter_id) == [1, 2]


async def test_a_key_is_scoped_to_its_caller_and_route(world: World) -> None:
    counter_id = await world.counter(1)
    elsewhere = IdempotentRequest(key=COSTS.key, route="POST /counters/{id}/other")
    bob = caller("bob")

    outcomes = [
        await world.bus.run(Tally(counter_id, 5), ANN, idempotency=COSTS),
        await world.bus.run(Tally(counter_id, 5), ANN, idempotency=elsewhere),
        await world.bus.run(Tally(counter_id, 5), bob, idempotency=COSTS),
    ]

    assert [o.replayed for o in outcomes] == [False, False, False]
    assert world.versions(counter_id) == [1, 2, 3, 4]


async def test_a_refused_command_keeps_no_key(world: World) -> None:
    counter_id = await world.counter(1)
    with pytest.raises(InvalidValueError):
        await world.bus.execute(Tally(counter_id, -1), ANN, idempotency=COSTS)

    outcome = await world.bus.run(Tally(counter_id, -1 + 2), ANN, idempotency=COSTS)

    assert outcome.replayed is False


async def test_a_command_sent_with_a_key_must_return_an_aggregate(world: World) -> None:
    with pytest.raises(TypeError, match="Idempotency-Key"):
        await world.bus.execute(WhatIsMyContext(), ANN, idempotency=COSTS)


# -- the ordering root a stream keeps ------------------------------------------------------------
class Part(Counter):
    """A counter that lives with another aggregate: its events are ordered with that one's."""

    stream_type = "part"
    root = uuid4()

    @property
    def ordering_id(self) -> UUID | None:
        return self.root


@dataclass(frozen=True)
class IncrementPart(Command[Part]):
    part_id: UUID


@HANDLERS.handles(IncrementPart)
async def increment_part(cmd: IncrementPart, ctx: Context) -> Part:
    part = await ctx.uow.load(Part, cmd.part_id) or Part(cmd.part_id)
    part.increment(1)
    await ctx.save(part)
    return part


def _orderings(world: World, stream_id: UUID) -> list[UUID | None]:
    return [
        r.envelope.ordering_id for r in world.store.events() if r.envelope.stream_id == stream_id
    ]


async def test_a_new_part_is_ordered_with_its_root_from_its_first_event_on(world: World) -> None:
    part_id = uuid4()
    await world.bus.execute(IncrementPart(part_id), ANN)
    await world.bus.execute(IncrementPart(part_id), ANN)

    assert _orderings(world, part_id) == [Part.root, Part.root]


async def test_a_stream_begun_under_its_own_key_keeps_it(world: World) -> None:
    part_id = uuid4()  # stored before ordering roots existed: its first event has none
    async with world.store.transaction() as events:
        await events.append(
            stream_type="part",
            stream_id=part_id,
            expected_version=0,
            events=[CounterIncremented(amount=1)],
            metadata=ANN.metadata(),
        )

    await world.bus.execute(IncrementPart(part_id), ANN)
    world.units.cache._idle.clear()  # and from a fresh load too
    await world.bus.execute(IncrementPart(part_id), ANN)

    assert _orderings(world, part_id) == [None, None, None]
