"""Loading streams for commands, with the decoded events of recently used streams kept in
memory: a command then reads and decodes only what was appended since. Events never change,
so the cache can only lack events, never hold wrong ones, and it is safe with any number of
processes writing the same streams."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared import store
from pmo_shared.events import DomainEvent, EventRegistry


class StreamReader:
    """Reads a tenant's stream as decoded domain events (upcast to their newest versions)."""

    def __init__(self, registry: EventRegistry, *, capacity: int = 10_000) -> None:
        self._registry = registry
        self._capacity = capacity
        self._cache: OrderedDict[tuple[str, UUID], tuple[DomainEvent, ...]] = OrderedDict()

    async def read(
        self,
        conn: AsyncConnection,
        *,
        stream_id: UUID,
        tenant_id: str,
        as_of: datetime | None = None,
    ) -> tuple[DomainEvent, ...]:
        """The stream's events in order (up to `as_of`); empty if the tenant has no such
        stream."""
        if as_of is not None:  # history is rare: read it whole, leave the cache alone
            return self._decode(
                await store.read_stream(conn, stream_id=stream_id, tenant_id=tenant_id, as_of=as_of)
            )
        key = (tenant_id, stream_id)
        known = self._cache.get(key, ())
        newer = await store.read_stream(
            conn, stream_id=stream_id, tenant_id=tenant_id, after_version=len(known)
        )
        events = known + self._decode(newer)
        if events:
            self._cache[key] = events
            self._cache.move_to_end(key)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        return events

    def _decode(self, recorded: list[store.RecordedEvent]) -> tuple[DomainEvent, ...]:
        return tuple(self._registry.decode_envelope(r.envelope) for r in recorded)
