"""The base of every aggregate: record events, apply them, rebuild from history."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Self
from uuid import UUID

from pmo_shared.events import DomainEvent


class Aggregate(ABC):
    """State changes only by applying events; commands record new ones in `pending`."""

    def __init__(self, aggregate_id: UUID) -> None:
        self.id = aggregate_id
        self.version = 0
        self.pending: list[DomainEvent] = []

    @classmethod
    def rehydrate(cls, aggregate_id: UUID, history: Iterable[DomainEvent]) -> Self:
        """Fold past events into the state they produced."""
        aggregate = cls(aggregate_id)
        for event in history:
            aggregate.apply(event)
            aggregate.version += 1
        return aggregate

    @property
    def exists(self) -> bool:
        """Whether the aggregate has any history (recorded or pending)."""
        return self.version > 0 or bool(self.pending)

    def record(self, event: DomainEvent) -> None:
        """Apply a new event and keep it for the unit of work to append."""
        self.apply(event)
        self.pending.append(event)

    @abstractmethod
    def apply(self, event: DomainEvent) -> None:
        """Change state by one event; never fails for an event the aggregate recorded."""
