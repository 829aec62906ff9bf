"""The `portfolio-references` projection: program-svc's and project-svc's events into
`program_refs` and `project_refs`, one projection over both topics.

The consumer runner applies each event once (`processed_events`); `apply` only buffers the
events that can change a reference, and `flush` loads the references they name (locked:
programs first, then projects, each in id order, so two batches never wait on each other in a
circle), folds the events in order (`fold`, which refuses any event of a stream version a
reference has already taken) and writes the changed references back, all in the batch's
transaction. A batch thus costs at most four statements however many events it holds. The two
topics come in no order with each other, and no reference waits for another: a program's
members are project ids, whether portfolio-svc knows those projects yet or not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from typing import TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.domain.events import DomainEvent, EventEnvelope
from pmo_shared.messaging.topics import PROGRAM_EVENTS_TOPIC, PROJECT_EVENTS_TOPIC
from portfolio_svc.references import store
from portfolio_svc.references.fold import changes_anything, fold_program, fold_project
from portfolio_svc.references.model import ProgramRef, ProjectRef
from portfolio_svc.references.program_events import PROGRAM_STREAM
from portfolio_svc.references.project_events import PROJECT_STREAM

PROJECTION_NAME = "portfolio-references"
TOPICS: tuple[str, ...] = (PROGRAM_EVENTS_TOPIC, PROJECT_EVENTS_TOPIC)

R = TypeVar("R", ProgramRef, ProjectRef)
Buffered = list[tuple[EventEnvelope, DomainEvent]]


class ReferencesProjection:
    """Buffers a batch's program and project events and folds them into the references at
    `flush`."""

    def __init__(self, *, name: str = PROJECTION_NAME, topics: Sequence[str] = TOPICS) -> None:
        self.name = name
        self.topics = topics
        self._buffer: Buffered = []

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Buffer the event if it can change a reference (Project Office events, bookkeeping
        and the events portfolio-svc passes over are dropped here)."""
        if changes_anything(envelope, event):
            self._buffer.append((envelope, event))

    def reset(self) -> None:
        """Drop what a failed attempt buffered."""
        self._buffer.clear()

    async def flush(self, conn: AsyncConnection) -> None:
        """Fold the buffered events, in order, into the references they name."""
        buffered, self._buffer = self._buffer, []
        programs = [item for item in buffered if item[0].stream_type == PROGRAM_STREAM]
        projects = [item for item in buffered if item[0].stream_type == PROJECT_STREAM]
        if programs:
            programs_changed = await _folded(conn, programs, store.lock_program_refs, fold_program)
            await store.write_program_refs(conn, programs_changed)
        if projects:
            projects_changed = await _folded(conn, projects, store.lock_project_refs, fold_project)
            await store.write_project_refs(conn, projects_changed)


async def _folded(
    conn: AsyncConnection,
    buffered: Buffered,
    lock: Callable[[AsyncConnection, Collection[UUID]], Awaitable[dict[UUID, R]]],
    fold: Callable[[R | None, EventEnvelope, DomainEvent], R | None],
) -> Iterable[R]:
    """The references the buffered events changed, each as after the last of its events."""
    refs = await lock(conn, {envelope.stream_id for envelope, _ in buffered})
    changed: dict[UUID, R] = {}
    for envelope, event in buffered:
        before = refs.get(envelope.stream_id)
        after = fold(before, envelope, event)
        if after is not None and after is not before:
            refs[envelope.stream_id] = changed[envelope.stream_id] = after
    return changed.values()
