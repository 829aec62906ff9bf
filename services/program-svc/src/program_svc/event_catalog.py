"""What program-svc publishes, for other internal systems: `pmo-event-docs write
program_svc.event_catalog:CATALOG` regenerates services/program-svc/events/."""

from __future__ import annotations

from pathlib import Path

from pmo_shared.messaging.eventdocs import EventCatalog
from pmo_shared.messaging.topics import PROGRAM_EVENTS_TOPIC
from program_svc.domain.events import registry

CATALOG = EventCatalog(
    registry=registry,
    topic=PROGRAM_EVENTS_TOPIC,
    title="PMO program events",
    description=(
        "Every fact program-svc records about programs (member projects, the shared funding "
        "pool and its allocations, the shared resource pool and its assignments, benefits, "
        "dependencies between members), in order per program. Money amounts are exact "
        "decimal strings in the program's currency; dates are ISO 8601; weeks are ISO 8601 "
        "weeks (YYYY-Www)."
    ),
    directory=Path(__file__).resolve().parents[2] / "events",
)
