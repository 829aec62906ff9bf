"""Consumer contract: project-svc's readers of portfolio events
(`project_svc.references.events`) against the schemas portfolio-svc publishes (its committed
JSON Schemas). Every field project-svc reads exists in the schema of that event type and
version, is required there unless project-svc has a default, and has a compatible JSON type
and format, down to the items of a list and the values of a map (a threshold per currency, a
covered project id); the closed sets project-svc reads as plain strings (a decision, a kind, a
gate) hold the values it acts on; project-svc reads no personal field; and it knows every event
type and version on the topic (the consumer runner dead-letters an event its registry cannot
decode)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pmo_shared.domain.events import InvalidEventError
from project_svc.domain.standards import APPROVE, REBASELINE_ACTIVE_NEEDS_PMO
from project_svc.references.events import registry as project_registry

SCHEMAS = Path(__file__).resolve().parents[2] / "services/portfolio-svc/events/schemas"
READERS = list(project_registry)
PUBLISHED = sorted(
    (name, int(version[1:]))
    for name, version in (p.name.removesuffix(".json").split(".") for p in SCHEMAS.glob("*.json"))
)


def _published(event_type: str, version: int) -> dict[str, Any]:
    path = SCHEMAS / f"{event_type}.v{version}.json"
    assert path.is_file(), f"portfolio-svc publishes no {path.name}"
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def _arms(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives a (sub)schema allows, each with its $ref followed."""
    if "$ref" in schema:
        return _arms(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root)
    if "anyOf" in schema:
        return [arm for s in schema["anyOf"] for arm in _arms(s, root)]
    return [schema]


def _types(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    """The JSON types a (sub)schema allows, following $ref and anyOf."""
    types: set[str] = set()
    for arm in _arms(schema, root):
        if "enum" in arm and "type" not in arm:
            types |= {type(v).__name__.replace("str", "string") for v in arm["enum"]}
            continue
        kind = arm.get("type", "object")
        types |= set(kind) if isinstance(kind, list) else {kind}
    return types


def _formats(schema: dict[str, Any], root: dict[str, Any]) -> set[str | None]:
    """The string formats (date, uuid, ...) a (sub)schema's string arms carry."""
    return {arm.get("format") for arm in _arms(schema, root) if "string" in _types(arm, root)}


def _inner(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    """The schemas of what a list holds (its items) or a map holds (its values)."""
    inner: list[dict[str, Any]] = []
    for arm in _arms(schema, root):
        if "items" in arm:
            inner.append(arm["items"])
        if isinstance(arm.get("additionalProperties"), dict):
            inner.append(arm["additionalProperties"])
        inner.extend(arm.get("patternProperties", {}).values())
    return inner


def _compatible(theirs: dict[str, Any], t_root: Any, mine: dict[str, Any], m_root: Any) -> bool:
    """A value published as `theirs` is read by `mine`: a common type, the formats mine wants,
    and the same, recursively, for what a list or a map holds."""
    if not _types(theirs, t_root) & _types(mine, m_root):
        return False
    wanted = _formats(mine, m_root) - {None}
    if wanted and not wanted <= _formats(theirs, t_root):
        return False
    return all(
        any(_compatible(t, t_root, m, m_root) for t in _inner(theirs, t_root))
        for m in _inner(mine, m_root)
    )


@pytest.mark.parametrize(
    "reader", READERS, ids=[f"{r.event_type}.v{r.schema_version}" for r in READERS]
)
def test_every_field_project_reads_is_published(reader: Any) -> None:
    published = _published(reader.event_type, reader.schema_version)
    ours = reader.model_json_schema(mode="validation")
    for name, field in reader.model_fields.items():
        where = f"{reader.event_type}.v{reader.schema_version}.{name}"
        assert name in published["properties"], f"{where} is not published"
        if field.is_required():
            assert name in published.get("required", []), f"{where} is optional there"
        theirs, mine = published["properties"][name], ours["properties"][name]
        assert _compatible(theirs, published, mine, ours), f"{where}: types or formats differ"


def test_project_reads_the_two_events_it_obeys_with_the_fields_it_uses() -> None:
    read = {r.event_type: set(r.model_fields) for r in READERS if not r.bookkeeping}
    read = {event_type: fields for event_type, fields in read.items() if fields}
    assert read == {
        "PmoStandardsSet": {
            "large_project_threshold",
            "portfolio_approval_threshold",
            "required_gates",
            "time_zone",
            "effective_on",
        },
        "DecisionRecorded": {"component_id", "kind", "covers", "decision", "decided_on"},
    }


def test_the_values_project_svc_acts_on_are_published() -> None:
    decision = _published("DecisionRecorded", 1)["properties"]
    assert APPROVE in decision["decision"]["enum"]
    assert {"program", "project"} <= set(decision["kind"]["enum"])
    gates = _published("PmoStandardsSet", 1)["properties"]["required_gates"]["items"]
    assert REBASELINE_ACTIVE_NEEDS_PMO in (gates.get("enum") or [gates.get("const")])


def test_project_reads_no_personal_field() -> None:
    """project-svc keeps no personal data of portfolio-svc: none of the fields it reads is
    published sealed."""
    for reader in READERS:
        published = _published(reader.event_type, reader.schema_version)
        for name in reader.model_fields:
            field = published["properties"][name]
            assert not field.get("x-personal-data"), f"{reader.event_type}.{name} is personal"


def test_project_knows_the_newest_version_of_every_event_portfolio_svc_publishes() -> None:
    newest: dict[str, int] = {}
    for name, version in PUBLISHED:
        newest[name] = max(newest.get(name, 0), version)
    ours = {r.event_type: project_registry.latest_version(r.event_type) for r in READERS}
    assert ours == newest


@pytest.mark.parametrize(
    ("event_type", "version"), PUBLISHED, ids=[f"{t}.v{v}" for t, v in PUBLISHED]
)
def test_every_published_version_decodes(event_type: str, version: int) -> None:
    """Each published version has a reader: an empty payload either decodes or fails only its
    validation (a missing reader is an UnknownEventError)."""
    assert project_registry.schema_of(event_type, version).event_type == event_type
    failure: InvalidEventError | None = None
    try:
        project_registry.decode(event_type, version, {})
    except InvalidEventError as exc:
        failure = exc
    assert failure is None or isinstance(failure.__cause__, ValidationError), failure
