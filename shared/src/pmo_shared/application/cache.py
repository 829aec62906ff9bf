"""Loading aggregates for commands. Recently used aggregates stay in memory, checked out while
a command works on one and checked back in only after its transaction committed; a load then
reads and applies just the events appended since (by this process or any other). Events never
change, so a cached aggregate can only be behind, never wrong; and one that a failed command
may have changed is never checked back in. An erasure marks every stream that named the
person (`PersonalDataErased`): a cached aggregate that meets the mark is rebuilt from its whole
stream, so it never shows what was erased."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.events import EventRegistry, PersonalDataErased
from pmo_shared.eventstore.store import EventStore, RecordedEvent

A = TypeVar("A", bound=Aggregate)
ERASURE_MARK = PersonalDataErased.event_type


class AggregateCache:
    """Loads a tenant's aggregates from the event store, keeping recent ones in memory."""

    def __init__(self, registry: EventRegistry, *, capacity: int = 10_000) -> None:
        self._registry = registry
        self._capacity = capacity
        self._idle: OrderedDict[tuple[str, UUID], Aggregate] = OrderedDict()

    async def load(
        self,
        events: EventStore,
        kind: type[A],
        aggregate_id: UUID,
        *,
        tenant_id: str,
        as_of: datetime | None = None,
    ) -> A | None:
        """The aggregate as of now (or `as_of`), None if the tenant has no such stream of this
        kind (an id of another kind of stream is not found either). It is the caller's until
        `keep` gives it back."""
        cached = None if as_of is not None else self._idle.pop((tenant_id, aggregate_id), None)
        aggregate = cached if isinstance(cached, kind) else kind(aggregate_id)
        newer = await events.read_stream(
            stream_id=aggregate_id,
            tenant_id=tenant_id,
            as_of=as_of,
            after_version=aggregate.version,
        )
        if newer and newer[0].envelope.stream_type != kind.stream_type:
            return None
        if aggregate.version and any(r.envelope.event_type == ERASURE_MARK for r in newer):
            # someone this aggregate names was erased: what it holds of them is stale
            aggregate = kind(aggregate_id)
            newer = await events.read_stream(
                stream_id=aggregate_id, tenant_id=tenant_id, as_of=as_of
            )
        if newer and aggregate.version == 0:
            aggregate.keep_ordering(newer[0].envelope.ordering_id)
        aggregate.catch_up(self._registry.decode_envelope(r.envelope) for r in newer)
        return aggregate if aggregate.version else None

    def rehydrate(self, kind: type[A], aggregate_id: UUID, recorded: list[RecordedEvent]) -> A:
        """An aggregate of its own (never cached) from these stored events."""
        return kind.rehydrate(
            aggregate_id, (self._registry.decode_envelope(r.envelope) for r in recorded)
        )

    def keep(self, aggregate: Aggregate, *, tenant_id: str) -> None:
        """Check an aggregate back in: only one whose state matches its committed events."""
        if aggregate.collect():
            return
        key = (tenant_id, aggregate.id)
        self._idle[key] = aggregate
        self._idle.move_to_end(key)
        while len(self._idle) > self._capacity:
            self._idle.popitem(last=False)
