"""What the tolerant readers of both topics share: a reader with no fields for every version of
each event type portfolio-svc passes over.

The consumer runner dead-letters an event its registry does not know, so every type and version
published on a topic portfolio-svc reads must decode, even to a reader that takes nothing from
it. Such a reader ignores every field, so a passed-over event never fails to decode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar, cast

from pmo_shared.domain.events import DomainEvent, EventRegistry

E = TypeVar("E", bound=DomainEvent)


def register_passed_over(registry: EventRegistry, base: type[E], newest: Mapping[str, int]) -> None:
    """Register a subclass of `base` for versions 1 to `newest[event_type]` of each event type."""
    for event_type, latest in newest.items():
        for version in range(1, latest + 1):
            registry.register(_reader(base, event_type, version))


def _reader(base: type[E], event_type: str, version: int) -> type[E]:
    """The reader of one version of a passed-over event type."""
    namespace = {"event_type": event_type, "schema_version": version, "__module__": base.__module__}
    return cast(type[E], type(f"{event_type}V{version}", (base,), namespace))
