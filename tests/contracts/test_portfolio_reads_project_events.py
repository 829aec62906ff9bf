"""Consumer contract: portfolio-svc's readers of project events
(`portfolio_svc.references.project_events`) against the schemas project-svc publishes (its
committed JSON Schemas). Every field portfolio-svc reads exists in the schema of that event type
and version, is required there unless portfolio-svc has a default, and has a compatible JSON
type and format; portfolio-svc reads no personal field; and the registry its references
consumer decodes with (`portfolio_svc.references.events`) knows every event type and version on
the topic (the consumer runner dead-letters an event its registry cannot decode), the older
versions through upcasters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pmo_shared.domain.events import InvalidEventError
from portfolio_svc.references import events, project_events
from portfolio_svc.references.project_events import ProjectEvent

SCHEMAS = Path(__file__).resolve().parents[2] / "services/project-svc/events/schemas"
READERS = list(project_events.registry)
PUBLISHED = sorted(
    (name, int(version[1:]))
    for name, version in (p.name.removesuffix(".json").split(".") for p in SCHEMAS.glob("*.json"))
)


def _published(event_type: str, version: int) -> dict[str, Any]:
    path = SCHEMAS / f"{event_type}.v{version}.json"
    assert path.is_file(), f"project-svc publishes no {path.name}"
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


def test_the_committed_schemas_are_there() -> None:
    """Fail rather than pass on nothing when `make event-docs` has not written them."""
    assert ("ProjectProposed", 1) in PUBLISHED
    assert [r for r in READERS if issubclass(r, ProjectEvent)]


@pytest.mark.parametrize(
    "reader", READERS, ids=[f"{r.event_type}.v{r.schema_version}" for r in READERS]
)
def test_every_field_portfolio_reads_is_published(reader: Any) -> None:
    published = _published(reader.event_type, reader.schema_version)
    ours = reader.model_json_schema(mode="validation")
    for name, field in reader.model_fields.items():
        where = f"{reader.event_type}.v{reader.schema_version}.{name}"
        assert name in published["properties"], f"{where} is not published"
        if field.is_required():
            assert name in published.get("required", []), f"{where} is optional there"
        theirs, mine = published["properties"][name], ours["properties"][name]
        assert _types(theirs, published) & _types(mine, ours), f"{where}: types differ"
        wanted = _formats(mine, ours) - {None}
        if wanted:  # a date or uuid is read only from a field published as one
            assert wanted <= _formats(theirs, published), f"{where}: formats differ"


def test_portfolio_reads_no_personal_field() -> None:
    """portfolio-svc holds no personal data: none of the fields it reads is published sealed
    (in any of its alternatives)."""
    for reader in READERS:
        published = _published(reader.event_type, reader.schema_version)
        for name in reader.model_fields:
            arms = _arms(published["properties"][name], published)
            assert not any(a.get("x-personal-data") for a in arms), f"{reader.event_type}.{name}"


def test_portfolio_knows_the_newest_version_of_every_event_project_svc_publishes() -> None:
    newest: dict[str, int] = {}
    for name, version in PUBLISHED:
        newest[name] = max(newest.get(name, 0), version)
    ours = {r.event_type: project_events.registry.latest_version(r.event_type) for r in READERS}
    assert ours == newest
    assert {t: events.registry.latest_version(t) for t in newest} == newest


@pytest.mark.parametrize(
    ("event_type", "version"), PUBLISHED, ids=[f"{t}.v{v}" for t, v in PUBLISHED]
)
def test_every_published_version_decodes_with_the_consumers_registry(
    event_type: str, version: int
) -> None:
    """An older version reaches the newest reader: an empty payload gets through the upcasters
    (a missing one is an UnknownEventError) and only then fails validation, if at all; both
    registries decode it alike."""
    for registry in (events.registry, project_events.registry):
        assert registry.schema_of(event_type, version).event_type == event_type
        failure: InvalidEventError | None = None
        try:
            decoded = registry.decode(event_type, version, {})
        except InvalidEventError as exc:
            failure = exc
        # Either it decoded to the newest reader, or that reader wants fields the payload lacks.
        assert failure is None or isinstance(failure.__cause__, ValidationError), failure
        if failure is None:
            newest = registry.latest_version(event_type)
            assert type(decoded) is registry.schema_of(event_type, newest)
