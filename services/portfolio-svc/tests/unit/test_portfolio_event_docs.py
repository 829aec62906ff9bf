"""portfolio-svc's committed JSON Schemas and AsyncAPI document match the event classes."""

from __future__ import annotations

from pmo_shared.messaging.eventdocs import drift
from portfolio_svc.event_catalog import CATALOG


def test_committed_portfolio_event_docs_match_the_code() -> None:
    assert drift(CATALOG) == [], "run: make event-docs"


def test_every_portfolio_event_type_is_documented() -> None:
    documented = {p.name.split(".")[0] for p in (CATALOG.directory / "schemas").iterdir()}
    assert documented == {cls.event_type for cls in CATALOG.registry}
