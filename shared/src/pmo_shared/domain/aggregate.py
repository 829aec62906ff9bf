"""The base of every aggregate: record events, apply them, rebuild from history."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Self, TypeVar
from uuid import UUID

from pmo_shared.domain.events import DomainEvent

F = TypeVar("F", bound=Callable[..., None])


def applies(event_type: type[DomainEvent]) -> Callable[[F], F]:
    """Mark a method as the fold of one event type."""

    def mark(method: F) -> F:
        method.__applies__ = event_type  # type: ignore[attr-defined]
        return method

    return mark


class Aggregate:
    """State changes only by applying events; commands record new ones, which the unit of work
    collects, appends and then marks committed. The version and the pending events are kept
    here and nowhere else."""

    stream_type: ClassVar[str]
    """The kind of stream this aggregate's events are stored in (and so their topic)."""

    # Event type -> the method that folds it; a plain dict lookup, since rebuilding an
    # aggregate applies every event of its stream on every command.
    _folds: ClassVar[dict[type[DomainEvent], Callable[[Any, Any], None]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        folds = dict(cls._folds)
        for attribute in vars(cls).values():
            event_type = getattr(attribute, "__applies__", None)
            if event_type is not None:
                folds[event_type] = attribute
        cls._folds = folds

    def __init__(self, aggregate_id: UUID) -> None:
        self.id = aggregate_id
        self.version = 0
        self._pending: list[DomainEvent] = []
        self._stored_ordering: tuple[UUID | None] | None = None

    @classmethod
    def rehydrate(cls, aggregate_id: UUID, history: Iterable[DomainEvent]) -> Self:
        """Fold past events into the state they produced."""
        aggregate = cls(aggregate_id)
        aggregate.catch_up(history)
        return aggregate

    def catch_up(self, history: Iterable[DomainEvent]) -> None:
        """Fold stored events that follow the current version."""
        for event in history:
            self.apply(event)
            self.version += 1

    def record(self, event: DomainEvent) -> None:
        """Apply a new event and keep it for the unit of work to append."""
        self.apply(event)
        self._pending.append(event)

    def apply(self, event: DomainEvent) -> None:
        """Change state by one event; never fails for an event the aggregate recorded."""
        fold = self._folds.get(type(event))
        if fold is None:
            if event.bookkeeping:
                return
            raise TypeError(f"{type(self).__name__} cannot apply {type(event).__name__}")
        fold(self, event)

    @property
    def ordering_id(self) -> UUID | None:
        """The stream id of the aggregate this one's events are ordered with on Kafka, when it
        is not its own (a part that lives and dies with another aggregate)."""
        return None

    @property
    def ordering_for_append(self) -> UUID | None:
        """The ordering root to store with new events. A stream keeps the one its first event
        was stored with, so all its events travel under one Kafka key in order (a stream begun
        before ordering roots existed keeps its own); a new stream takes `ordering_id`."""
        if self._stored_ordering is not None:
            return self._stored_ordering[0]
        return self.ordering_id

    def keep_ordering(self, ordering_id: UUID | None) -> None:
        """Remember the ordering root the stream's first event was stored with."""
        self._stored_ordering = (ordering_id,)

    @property
    def pending(self) -> list[DomainEvent]:
        """The events recorded since the aggregate was loaded or last saved (a copy)."""
        return list(self._pending)

    def collect(self) -> list[DomainEvent]:
        """The recorded events to append, at `version` (the version they were recorded on)."""
        return list(self._pending)

    def mark_committed(self) -> None:
        """The collected events were appended: they now count in the version."""
        self.version += len(self._pending)
        self._pending.clear()
