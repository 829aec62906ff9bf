"""The `project-portfolio-refs` projection: portfolio-svc's events into `pmo_standards` and
`portfolio_decisions`.

The consumer runner applies each event once (`processed_events`); `apply` only buffers the
events that can change a reference, and `flush` loads what they touch (the stored sets of their
dates, locked; the tenant of each project and portfolio they name), folds the events in order
(`fold`, which refuses a set of a stream version already taken and a decision already stored)
and writes what changed, all in the batch's transaction: three statements a batch, however many
events it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.domain.events import DomainEvent, EventEnvelope
from pmo_shared.messaging.topics import PORTFOLIO_EVENTS_TOPIC
from project_svc.references import events as ev
from project_svc.references import store
from project_svc.references.fold import changes_anything, decided_projects, fold

PROJECTION_NAME = "project-portfolio-refs"


class PortfolioRefsProjection:
    """Buffers a batch's standards and decisions and folds them into the tables at `flush`."""

    def __init__(
        self, *, name: str = PROJECTION_NAME, topics: Sequence[str] = (PORTFOLIO_EVENTS_TOPIC,)
    ) -> None:
        self.name = name
        self.topics = topics
        self._buffer: list[tuple[EventEnvelope, DomainEvent]] = []

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Buffer the event if it can change a reference (the events project-svc passes over
        and bookkeeping are dropped here)."""
        if changes_anything(envelope, event):
            self._buffer.append((envelope, event))

    def reset(self) -> None:
        """Drop what a failed attempt buffered."""
        self._buffer.clear()

    async def flush(self, conn: AsyncConnection) -> None:
        """Fold the buffered events, in order, into the references they touch."""
        buffered, self._buffer = self._buffer, []
        if not buffered:
            return
        keys: set[tuple[str, date]] = set()
        named: set[UUID] = set()
        for envelope, event in buffered:
            if isinstance(event, ev.PmoStandardsSet):
                keys.add((envelope.tenant_id, event.effective_on))
            elif isinstance(event, ev.DecisionRecorded):
                named.update((envelope.stream_id, *decided_projects(event)))
        before = await store.lock_refs(conn, standards_keys=keys, named=named)
        after = before
        for envelope, event in buffered:
            after = fold(after, envelope, event)
        await store.write_refs(
            conn,
            standards=[s for k, s in after.standards.items() if before.standards.get(k) != s],
            decisions=[d for k, d in after.decisions.items() if k not in before.decisions],
        )
