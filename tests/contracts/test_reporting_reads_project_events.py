"""Consumer contract: every field reporting-svc reads from a project event exists in the schema
project-svc publishes for that event type and version (its committed JSON Schemas), is
required there unless reporting has a default, and has a compatible JSON type. A field the
producer publishes sealed (personal data, `x-personal-data`) must be read as the sealed value,
with exactly the published shape, and only such a field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pmo_shared.privacy.fields import SEALED_KEYS
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


def _arms(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives a (sub)schema allows, each with its $ref followed."""
    if "$ref" in schema:
        return _arms(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root)
    if "anyOf" in schema:
        return [arm for s in schema["anyOf"] for arm in _arms(s, root)]
    return [schema]


def _is_sealed_value(schema: dict[str, Any]) -> bool:
    """Whether a schema is the sealed personal value: an object of exactly its three keys."""
    return (
        _types(schema, schema) == {"object"}
        and set(schema.get("properties", {})) == SEALED_KEYS
        and set(schema.get("required", ())) == SEALED_KEYS
    )


def _check_personal(where: str, name: str, published: dict[str, Any], ours: dict[str, Any]) -> None:
    """A sealed field is read as the sealed value of the same shape; no other field is."""
    theirs = published["properties"][name]
    sealed = [arm for arm in _arms(ours["properties"][name], ours) if _is_sealed_value(arm)]
    if not theirs.get("x-personal-data"):
        assert not sealed, f"{where} is not published sealed, but reporting reads it so"
        return
    [published_sealed] = _arms(theirs, published)
    assert _is_sealed_value(published_sealed), f"{where}: the published sealed value changed"
    assert sealed, f"{where} is published sealed: reporting must read it as SealedValue"
    for key in SEALED_KEYS:
        their_key = published_sealed["properties"][key]
        our_key = sealed[0]["properties"][key]
        assert _types(their_key, published) & _types(our_key, ours), f"{where}.{key}"
        assert their_key.get("format") == our_key.get("format"), f"{where}.{key} format"
    assert published_sealed.get("additionalProperties") is False
    assert sealed[0].get("additionalProperties") is False, f"{where}: sealed values are closed"


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
        _check_personal(f"{reader.event_type}.{name}", name, published, ours)


def test_reporting_reads_every_personal_field_it_stores_as_sealed() -> None:
    """The personal fields reporting keeps (manager, sponsor, owner, lead, staff) are all
    published sealed, in every version reporting reads."""
    personal = {
        ("ProjectProposed", "manager"),
        ("ProjectProposed", "sponsor"),
        ("RiskRaised", "owner"),
        ("ProjectOfficeEstablished", "lead"),
        ("OfficeStaffAssigned", "user_id"),
        ("OfficeStaffReleased", "user_id"),
    }
    seen = set()
    for reader in READERS:
        published = json.loads(
            (SCHEMAS / f"{reader.event_type}.v{reader.schema_version}.json").read_text()
        )
        for name, field in published["properties"].items():
            if field.get("x-personal-data") and name in reader.model_fields:
                seen.add((reader.event_type, name))
    assert seen == personal


def test_reporting_reads_every_event_project_svc_publishes() -> None:
    published = {p.name.split(".")[0] for p in SCHEMAS.glob("*.json")}
    assert {r.event_type for r in READERS} == published
