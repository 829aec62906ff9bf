"""What portfolio-svc publishes, for other internal systems: `pmo-event-docs write
portfolio_svc.event_catalog:CATALOG` regenerates services/portfolio-svc/events/."""

from __future__ import annotations

from pathlib import Path

from pmo_shared.messaging.eventdocs import EventCatalog
from pmo_shared.messaging.topics import PORTFOLIO_EVENTS_TOPIC
from portfolio_svc.domain import standards_events
from portfolio_svc.domain.events import registry

assert standards_events.PMO_STANDARDS  # the PMO's standards are in the same registry

CATALOG = EventCatalog(
    registry=registry,
    topic=PORTFOLIO_EVENTS_TOPIC,
    title="PMO portfolio events",
    description=(
        "Every fact portfolio-svc records: portfolios (strategic objectives and their weights, "
        "components scored on them, budget, role capacities, dependencies, exclusive groups, "
        "scenarios, adopted selections and decisions), in order per portfolio; and the PMO's "
        "standards of each tenant (stream type pmo_standards, one stream per tenant), each set "
        "in force from its effective date, with the PMO's verdicts on the lessons suggested to "
        "projects on the same stream. Money amounts are exact decimal strings in the "
        "portfolio's currency (thresholds: per currency); dates are ISO 8601."
    ),
    directory=Path(__file__).resolve().parents[2] / "events",
)
