"""What project-svc publishes, for other internal systems: `pmo-event-docs write
project_svc.event_catalog:CATALOG` regenerates services/project-svc/events/."""

from __future__ import annotations

from pathlib import Path

from pmo_shared.messaging.eventdocs import EventCatalog
from pmo_shared.messaging.topics import PROJECT_EVENTS_TOPIC
from project_svc.domain.events import registry

CATALOG = EventCatalog(
    registry=registry,
    topic=PROJECT_EVENTS_TOPIC,
    title="PMO project events",
    description=(
        "Every fact project-svc records about projects and their Project Offices, in order per "
        "aggregate. Money amounts are exact decimal strings; dates are ISO 8601."
    ),
    directory=Path(__file__).resolve().parents[2] / "events",
)
