"""Consumer contract: every field reporting-svc reads from a program event exists in the schema
program-svc publishes for that event type and version, is required there unless reporting has
a default, and has a compatible JSON type. A field the producer publishes sealed (personal
data, `x-personal-data`) must be read as the sealed value with exactly the published shape
(optional where the producer's is), and only such a field.

Checked against both forms of the producer's contract: its committed JSON Schemas
(services/program-svc/events/schemas, once `make event-docs` wrote them) and the schemas of
its pydantic models (`program_svc.domain.events.registry`); only this test imports program-svc,
reporting never does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pmo_shared.domain.events import KERNEL_EVENTS
from pmo_shared.privacy.fields import SEALED_KEYS
from program_svc.domain.events import registry as producer_registry
from reporting_svc.program_events import ProgramEvent
from reporting_svc.program_events import registry as reporting_registry

SCHEMAS = Path(__file__).resolve().parents[2] / "services/program-svc/events/schemas"
READERS = [r for r in reporting_registry if issubclass(r, ProgramEvent)]
KERNEL = {e.event_type for e in KERNEL_EVENTS}


def _committed() -> dict[str, dict[str, Any]]:
    return {p.name.removesuffix(".json"): json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}


SOURCES = {"models": producer_registry.json_schemas(), "committed": _committed()}


def _types(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    """The JSON types a (sub)schema allows, following $ref and anyOf."""
    if "$ref" in schema:
        return _types(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root)
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
    """A sealed field is read as the sealed value of the same shape; no other field is. An
    optional sealed field (null allowed there) is optional here too."""
    theirs = published["properties"][name]
    sealed = [arm for arm in _arms(ours["properties"][name], ours) if _is_sealed_value(arm)]
    their_arms = _arms(theirs, published)
    their_sealed = [arm for arm in their_arms if arm.get("x-personal-data")]
    if not their_sealed:
        assert not sealed, f"{where} is not published sealed, but reporting reads it so"
        return
    [published_sealed] = their_sealed
    assert _is_sealed_value(published_sealed), f"{where}: the published sealed value changed"
    assert {a.get("type") for a in their_arms if a is not published_sealed} <= {"null"}, where
    assert sealed, f"{where} is published sealed: reporting must read it as SealedValue"
    for key in SEALED_KEYS:
        their_key = published_sealed["properties"][key]
        our_key = sealed[0]["properties"][key]
        assert _types(their_key, published) & _types(our_key, ours), f"{where}.{key}"
        assert their_key.get("format") == our_key.get("format"), f"{where}.{key} format"
    assert published_sealed.get("additionalProperties") is False
    assert sealed[0].get("additionalProperties") is False, f"{where}: sealed values are closed"
    if "null" in _types(theirs, published):
        assert "null" in _types(ours["properties"][name], ours), f"{where} may be null"


def _published(source: str, reader: Any) -> dict[str, Any]:
    schemas = SOURCES[source]
    assert schemas, f"program-svc has no {source} schemas (run make event-docs)"
    key = f"{reader.event_type}.v{reader.schema_version}"
    assert key in schemas, f"program-svc publishes no {key} ({source})"
    return schemas[key]


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("reader", READERS, ids=[r.event_type for r in READERS])
def test_every_field_reporting_reads_is_published(source: str, reader: Any) -> None:
    published = _published(source, reader)
    ours = reader.model_json_schema(mode="validation")
    for name, field in reader.model_fields.items():
        where = f"{reader.event_type}.{name}"
        assert name in published["properties"], f"{where} is not published"
        if field.is_required():
            assert name in published.get("required", []), f"{where} is optional there"
        theirs = _types(published["properties"][name], published)
        mine = _types(ours["properties"][name], ours)
        assert theirs & mine, f"{where}: {theirs} vs {mine}"
        _check_personal(where, name, published, ours)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_reporting_reads_every_personal_field_it_stores_as_sealed(source: str) -> None:
    """The personal fields reporting keeps (manager, sponsor, who activated, a resource's
    person, a benefit's owner) are all published sealed, and reporting reads every one."""
    personal = {
        ("ProgramProposed", "manager"),
        ("ProgramProposed", "sponsor"),
        ("ProgramActivated", "activated_by"),
        ("ResourceAdded", "person"),
        ("BenefitPlanned", "owner"),
    }
    seen = set()
    for reader in READERS:
        published = _published(source, reader)
        for name, field in published["properties"].items():
            arms = _arms(field, published)
            if any(a.get("x-personal-data") for a in arms) and name in reader.model_fields:
                seen.add((reader.event_type, name))
    assert seen == personal


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_reporting_reads_every_event_program_svc_publishes(source: str) -> None:
    assert SOURCES[source], f"program-svc has no {source} schemas (run make event-docs)"
    published = {key.split(".")[0] for key in SOURCES[source]} - KERNEL
    assert {r.event_type for r in READERS} == published
    versions = {key for key in SOURCES[source] if key.split(".")[0] not in KERNEL}
    assert {f"{r.event_type}.v{r.schema_version}" for r in READERS} == versions
