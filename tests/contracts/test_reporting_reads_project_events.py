"""Consumer contract: every field reporting-svc reads from a project event exists in the schema
project-svc publishes for that event type and version (its committed JSON Schemas), is
required there unless reporting has a default, and has a compatible JSON type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reporting_svc.events import registry as reporting_registry

SCHEMAS = Path(__file__).resolve().parents[2] / "services/project-svc/events/schemas"
READERS = list(reporting_registry)


def _types(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    """The JSON types a (sub)schema allows, following $ref and anyOf."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _types(root["$defs"][name], root)
    if "anyOf" in schema:
        return set().union(*(_types(s, root) for s in schema["anyOf"]))
    if "enum" in schema and "type" not in schema:
        return {type(v).__name__.replace("str", "string") for v in schema["enum"]}
    kind = schema.get("type", "object")
    return set(kind) if isinstance(kind, list) else {kind}


@pytest.mark.parametrize("reader", READERS, ids=[r.event_type for r in READERS])
def test_every_field_reporting_reads_is_published(reader: Any) -> None:
    path = SCHEMAS / f"{reader.event_type}.v{reader.schema_version}.json"
    assert path.is_file(), f"project-svc publishes no {path.name}"
    published = json.loads(path.read_text())
    ours = reader.model_json_schema(mode="validation")
    for name, field in reader.model_fields.items():
        assert name in published["properties"], f"{reader.event_type}.{name} is not published"
        if field.is_required():
            assert name in published.get("required", []), f"{reader.event_type}.{name} optional"
        theirs = _types(published["properties"][name], published)
        mine = _types(ours["properties"][name], ours)
        assert theirs & mine, f"{reader.event_type}.{name}: {theirs} vs {mine}"


def test_reporting_reads_every_event_project_svc_publishes() -> None:
    published = {p.name.split(".")[0] for p in SCHEMAS.glob("*.json")}
    assert {r.event_type for r in READERS} == published
