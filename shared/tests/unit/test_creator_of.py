"""`UnitOfWork.creator_of`: who began a stream, from its first envelope (no payload has it)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import uuid4

import pytest

from pmo_shared.application.errors import AggregateNotFoundError
from pmo_shared.application.unit_of_work import InMemoryUnitsOfWork
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.events import DomainEvent, EventMetadata, EventRegistry
from pmo_shared.eventstore.memory import InMemoryEventStore
from pmo_shared.eventstore.store import RecordedEvent

registry = EventRegistry()


@registry.register
class Noted(DomainEvent):
    event_type = "Noted"
    text: str


class NoRows:
    def __init__(self, store: InMemoryEventStore) -> None:
        del store

    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        del aggregate, recorded


def by(actor: str, tenant: str = "acme") -> EventMetadata:
    return EventMetadata(tenant_id=tenant, actor=actor, correlation_id=f"corr-{actor}")


async def test_the_creator_is_the_actor_of_the_first_event_not_the_latest() -> None:
    units = InMemoryUnitsOfWork(registry, rows=NoRows)
    stream = uuid4()
    for version, actor in enumerate(("pmo-paula", "pmo-carol")):
        async with units("acme", write=True) as uow:
            await uow.events.append(
                stream_type="note",
                stream_id=stream,
                expected_version=version,
                events=[Noted(text=actor)],
                metadata=by(actor),
            )

    async with units("acme", write=False) as uow:
        assert await uow.creator_of(stream) == "pmo-paula"
    async with units("globex", write=False) as uow:
        with pytest.raises(AggregateNotFoundError):  # another tenant's stream is not found
            await uow.creator_of(stream)
