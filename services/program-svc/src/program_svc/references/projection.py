"""The `program-project-refs` projection: project-svc's events into `project_refs`.

The consumer runner applies each event once (`processed_events`); `apply` only buffers the
events that can change a reference, and `flush` loads the references they name (locked), folds
the events in order (`fold`, which refuses any event of a stream version a reference has
already taken) and writes the changed references back, all in the batch's transaction. A
batch thus costs two statements however many events it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.domain.events import DomainEvent, EventEnvelope
from pmo_shared.messaging.topics import PROJECT_EVENTS_TOPIC
from program_svc.references import store
from program_svc.references.fold import changes_anything, fold
from program_svc.references.model import ProjectRef

PROJECTION_NAME = "program-project-refs"


class ProjectRefsProjection:
    """Buffers a batch's project events and folds them into the references at `flush`."""

    def __init__(
        self, *, name: str = PROJECTION_NAME, topics: Sequence[str] = (PROJECT_EVENTS_TOPIC,)
    ) -> None:
        self.name = name
        self.topics = topics
        self._buffer: list[tuple[EventEnvelope, DomainEvent]] = []

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Buffer the event if it can change a reference (Project Office events, bookkeeping
        and the events program-svc passes over are dropped here)."""
        if changes_anything(envelope, event):
            self._buffer.append((envelope, event))

    def reset(self) -> None:
        """Drop what a failed attempt buffered."""
        self._buffer.clear()

    async def flush(self, conn: AsyncConnection) -> None:
        """Fold the buffered events, in order, into the references they name."""
        buffered, self._buffer = self._buffer, []
        if not buffered:
            return
        refs: dict[UUID, ProjectRef] = await store.lock_project_refs(
            conn, {envelope.stream_id for envelope, _ in buffered}
        )
        changed: dict[UUID, ProjectRef] = {}
        for envelope, event in buffered:
            before = refs.get(envelope.stream_id)
            after = fold(before, envelope, event)
            if after is not None and after is not before:
                refs[envelope.stream_id] = changed[envelope.stream_id] = after
        await store.write_project_refs(conn, changed.values())
