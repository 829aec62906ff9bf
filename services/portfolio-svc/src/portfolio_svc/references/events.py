"""The one registry portfolio-svc's references consumer decodes with: the readers of
`pmo.program.events` (`program_events`) and of `pmo.project.events` (`project_events`), with the
project events' upcasters. The two topics share no event type but the kernel's bookkeeping
events, which every registry knows already."""

from __future__ import annotations

from pmo_shared.domain.events import KERNEL_EVENTS, EventRegistry
from portfolio_svc.references import program_events, project_events


def _readers() -> EventRegistry:
    """Every reader of both topics, in one registry."""
    readers = EventRegistry()
    for source in (program_events.registry, project_events.registry):
        for reader in source:
            if reader not in KERNEL_EVENTS:  # in every registry already
                readers.register(reader)
    project_events.add_upcasters(readers)
    return readers


registry = _readers()
"""What the references consumer decodes program and project events with."""
