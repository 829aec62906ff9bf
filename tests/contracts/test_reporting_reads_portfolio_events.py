"""Consumer contract: every field reporting-svc reads from a portfolio-svc event (a portfolio's
or the PMO's standards) exists in the schema portfolio-svc publishes for that event type and
version, is required there unless reporting has a default, and has a compatible JSON type; so
does every field of the nested objects reporting reads (a standards set's health bands and size
classes, an adopted selection's frontier points). A field the producer publishes sealed
(personal data, `x-personal-data`) must be read as the sealed value with exactly the published
shape, and only such a field. Reporting knows every event type and version on the topic, those
it passes over too (its consumer dead-letters an event it cannot decode).

Checked against both forms of the producer's contract: its committed JSON Schemas
(services/portfolio-svc/events/schemas, written by `make event-docs`) and the schemas of its
pydantic models (`portfolio_svc.domain.events.registry`, with the standards' events); only this
test imports portfolio-svc, reporting never does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import portfolio_svc.domain.standards_events  # noqa: F401 - registers the standards' events
from pmo_shared.domain.events import KERNEL_EVENTS
from pmo_shared.privacy.fields import SEALED_KEYS
from portfolio_svc.domain.events import registry as producer_registry
from reporting_svc.portfolio_events import PortfolioEvent
from reporting_svc.portfolio_events import registry as reporting_registry

SCHEMAS = Path(__file__).resolve().parents[2] / "services/portfolio-svc/events/schemas"
READERS = [r for r in reporting_registry if issubclass(r, PortfolioEvent)]
KERNEL = {e.event_type for e in KERNEL_EVENTS}


def _committed() -> dict[str, dict[str, Any]]:
    return {p.name.removesuffix(".json"): json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}


SOURCES = {"models": producer_registry.json_schemas(), "committed": _committed()}


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root)
    return schema


def _arms(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives a (sub)schema allows, each with its $ref followed."""
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return [arm for s in schema["anyOf"] for arm in _arms(s, root)]
    return [schema]


def _types(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    """The JSON types a (sub)schema allows, following $ref and anyOf."""
    found: set[str] = set()
    for arm in _arms(schema, root):
        if "enum" in arm and "type" not in arm:
            found |= {type(v).__name__.replace("str", "string") for v in arm["enum"]}
            continue
        kind = arm.get("type", "object")
        found |= set(kind) if isinstance(kind, list) else {kind}
    return found


def _is_sealed_value(schema: dict[str, Any]) -> bool:
    """Whether a schema is the sealed personal value: an object of exactly its three keys."""
    return (
        schema.get("type", "object") == "object"
        and set(schema.get("properties", {})) == SEALED_KEYS
        and set(schema.get("required", ())) == SEALED_KEYS
    )


def _values(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The schema of a mapping's values (additionalProperties, or its one patternProperties)."""
    if isinstance(schema.get("additionalProperties"), dict):
        value: dict[str, Any] = schema["additionalProperties"]
        return value
    patterns = list(schema.get("patternProperties", {}).values())
    return patterns[0] if len(patterns) == 1 else None


def _check_object(
    where: str,
    ours: dict[str, Any],
    o_root: dict[str, Any],
    theirs: dict[str, Any],
    t_root: dict[str, Any],
) -> None:
    """Every property of our object is published, required there when we require it, of a
    compatible type, and (nested objects, arrays, mappings) likewise inside."""
    for name, our_field in ours.get("properties", {}).items():
        at = f"{where}.{name}"
        assert name in theirs.get("properties", {}), f"{at} is not published"
        if name in ours.get("required", ()):
            assert name in theirs.get("required", ()), f"{at} is optional there"
        their_field = theirs["properties"][name]
        assert _types(their_field, t_root) & _types(our_field, o_root), at
        _check_nested(at, our_field, o_root, their_field, t_root)


def _check_nested(
    where: str,
    ours: dict[str, Any],
    o_root: dict[str, Any],
    theirs: dict[str, Any],
    t_root: dict[str, Any],
) -> None:
    their_arms = _arms(theirs, t_root)
    for arm in _arms(ours, o_root):
        if _is_sealed_value(arm):
            continue  # checked as personal data
        if arm.get("properties"):
            [their] = [t for t in their_arms if t.get("properties")]
            _check_object(where, arm, o_root, their, t_root)
        elif arm.get("type") == "array" and "items" in arm:
            [their] = [t for t in their_arms if t.get("type") == "array"]
            _check_nested(f"{where}[]", arm["items"], o_root, their["items"], t_root)
        elif arm.get("type") == "object" and _values(arm) is not None:
            [their] = [t for t in their_arms if t.get("type", "object") == "object"]
            their_values = _values(their)
            assert their_values is not None, f"{where} is no mapping there"
            our_values = _values(arm)
            assert our_values is not None
            assert _types(their_values, t_root) & _types(our_values, o_root), f"{where}{{}}"
            _check_nested(f"{where}{{}}", our_values, o_root, their_values, t_root)


def _check_personal(where: str, name: str, published: dict[str, Any], ours: dict[str, Any]) -> None:
    """A sealed field is read as the sealed value of the same shape; no other field is."""
    theirs = published["properties"][name]
    sealed = [arm for arm in _arms(ours["properties"][name], ours) if _is_sealed_value(arm)]
    their_arms = _arms(theirs, published)
    their_sealed = [arm for arm in their_arms if arm.get("x-personal-data")]
    if not their_sealed:
        assert not sealed, f"{where} is not published sealed, but reporting reads it so"
        return
    [published_sealed] = their_sealed
    assert _is_sealed_value(published_sealed), f"{where}: the published sealed value changed"
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
    assert schemas, f"portfolio-svc has no {source} schemas (run make event-docs)"
    key = f"{reader.event_type}.v{reader.schema_version}"
    assert key in schemas, f"portfolio-svc publishes no {key} ({source})"
    return schemas[key]


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("reader", READERS, ids=[r.event_type for r in READERS])
def test_every_field_reporting_reads_is_published(source: str, reader: Any) -> None:
    published = _published(source, reader)
    ours = reader.model_json_schema(mode="validation")
    _check_object(reader.event_type, ours, ours, published, published)
    for name in reader.model_fields:
        _check_personal(f"{reader.event_type}.{name}", name, published, ours)


def test_the_nested_readers_are_checked_too() -> None:
    """The check goes into nested objects: a field reporting reads in a frontier point that
    portfolio-svc does not publish is found."""
    published = _published("models", reporting_registry.schema_of("SelectionAdopted", 1))
    ours = reporting_registry.schema_of("SelectionAdopted", 1).model_json_schema(mode="validation")
    point = ours["$defs"]["FrontierPointRead"]
    point["properties"]["slack"] = {"type": "string"}
    with pytest.raises(AssertionError, match=r"SelectionAdopted\.frontier\[\]\.slack"):
        _check_object("SelectionAdopted", ours, ours, published, published)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_reporting_reads_every_personal_field_it_stores_as_sealed(source: str) -> None:
    """The personal fields reporting keeps (the manager, who decided, who adopted a selection)
    are all published sealed, and reporting reads every one."""
    personal = {
        ("PortfolioCreated", "manager"),
        ("DecisionRecorded", "decided_by"),
        ("SelectionAdopted", "adopted_by"),
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
def test_reporting_reads_every_event_portfolio_svc_publishes(source: str) -> None:
    assert SOURCES[source], f"portfolio-svc has no {source} schemas (run make event-docs)"
    published = {key.split(".")[0] for key in SOURCES[source]} - KERNEL
    assert {r.event_type for r in READERS} == published
    versions = {key for key in SOURCES[source] if key.split(".")[0] not in KERNEL}
    assert {f"{r.event_type}.v{r.schema_version}" for r in READERS} == versions
