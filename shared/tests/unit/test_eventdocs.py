"""Event docs: generated from the registry; drift is detected."""

from __future__ import annotations

import json
from pathlib import Path

from pmo_shared.domain.events import DomainEvent, EventRegistry
from pmo_shared.messaging.eventdocs import EventCatalog, drift, write


def _catalog(tmp_path: Path) -> EventCatalog:
    registry = EventRegistry()

    @registry.register
    class ThingHappened(DomainEvent):
        """A thing happened."""

        event_type = "ThingHappened"
        size: int

    return EventCatalog(
        registry=registry, topic="t", title="T", description="d", directory=tmp_path
    )


def test_written_docs_have_no_drift_and_describe_each_event(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    write(catalog)
    assert drift(catalog) == []
    schema = json.loads((tmp_path / "schemas/ThingHappened.v1.json").read_text())
    assert schema["properties"]["size"]["type"] == "integer"
    asyncapi = json.loads((tmp_path / "asyncapi.json").read_text())
    assert asyncapi["channels"]["events"]["address"] == "t"
    assert "ThingHappened" in asyncapi["components"]["messages"]


def test_a_changed_or_extra_file_is_drift(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    write(catalog)
    (tmp_path / "schemas/ThingHappened.v1.json").write_text("{}")
    (tmp_path / "schemas/Old.v1.json").write_text("{}")
    assert drift(catalog) == ["schemas/ThingHappened.v1.json", "schemas/Old.v1.json"]
