"""Consumer-contract checks (used by tests only): a tolerant reader of another service's events
against the JSON Schemas that service publishes.

A consumer reads a producer's topic with readers that declare only the fields it uses. Its
contract test loads what the producer publishes (`Published`: the committed schemas that
`make event-docs` writes, or the schemas of the producer's models) and asks, reader by reader:

- `field_mismatches`: is every field the reader reads published, required there unless the
  reader has a default, of a compatible JSON type and string format, and likewise inside the
  nested objects, lists and maps it reads?
- `personal_fields`, `personal_reads` and `sealed_mismatches`: which fields are personal data
  (published sealed, `x-personal-data`), which of them the readers read (none, for a consumer
  that keeps no personal data), and does a consumer that keeps them read each as the sealed
  value of the published shape, and no other field so?
- `decode_problem`: does the consumer's registry get an empty payload of every published event
  type and version (through its upcasters) as far as validation?

The checks return what is wrong, as readable lines (`PortfolioCreated.v1.manager: ...`), so a
test asserts an empty list and pytest shows every line of a failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pmo_shared.domain.events import DomainEvent, EventRegistry, InvalidEventError
from pmo_shared.privacy.fields import SEALED_KEYS

JsonDict = dict[str, Any]
_JSON_TYPE = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


@dataclass(frozen=True)
class Published:
    """The JSON Schemas a producer publishes, one per event type and version (`Type.vN`)."""

    producer: str
    schemas: dict[str, JsonDict] = field(repr=False)

    @classmethod
    def committed(cls, schemas_dir: Path) -> Published:
        """The committed schemas in `services/<producer>/events/schemas`, as `make event-docs`
        writes them (none when it has not: a test guards against passing on nothing)."""
        schemas = {
            p.name.removesuffix(".json"): json.loads(p.read_text())
            for p in sorted(schemas_dir.glob("*.json"))
        }
        return cls(producer=schemas_dir.parents[1].name, schemas=schemas)

    @classmethod
    def of_models(cls, registry: EventRegistry, *, producer: str) -> Published:
        """The schemas of the producer's own pydantic models (the other form of its contract)."""
        return cls(producer=producer, schemas=registry.json_schemas())

    @property
    def versions(self) -> list[tuple[str, int]]:
        """Every published (event type, version), sorted."""
        keys = (key.rsplit(".v", 1) for key in self.schemas)
        return sorted((event_type, int(version)) for event_type, version in keys)

    @property
    def newest(self) -> dict[str, int]:
        """The newest published version of each event type."""
        newest: dict[str, int] = {}
        for event_type, version in self.versions:
            newest[event_type] = max(newest.get(event_type, 0), version)
        return newest

    def schema(self, event_type: str, version: int) -> JsonDict:
        """The schema of one event type and version; a LookupError when it is not published."""
        key = f"{event_type}.v{version}"
        if key not in self.schemas:
            raise LookupError(f"{self.producer} publishes no {key}")
        return self.schemas[key]

    def schema_of(self, reader: type[DomainEvent]) -> JsonDict:
        """The published schema of the event type and version a reader reads."""
        return self.schema(reader.event_type, reader.schema_version)


def arms(schema: JsonDict, root: JsonDict) -> list[JsonDict]:
    """The alternatives a (sub)schema allows (its `anyOf`, flattened), each with its `$ref`
    followed into `root`'s `$defs`."""
    if "$ref" in schema:
        return arms(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root)
    if "anyOf" in schema:
        return [arm for alternative in schema["anyOf"] for arm in arms(alternative, root)]
    return [schema]


def json_types(schema: JsonDict, root: JsonDict) -> set[str]:
    """The JSON types a (sub)schema allows, following `$ref` and `anyOf` (an `enum` or a
    `const` without a `type` allows the types of its values; no `type` at all, an object)."""
    types: set[str] = set()
    for arm in arms(schema, root):
        values = arm.get("enum", [arm["const"]] if "const" in arm else None)
        if values is not None and "type" not in arm:
            types |= {_JSON_TYPE.get(type(value), "object") for value in values}
            continue
        kind = arm.get("type", "object")
        types |= set(kind) if isinstance(kind, list) else {kind}
    return types


def formats(schema: JsonDict, root: JsonDict) -> set[str | None]:
    """The string formats (date, uuid, ...) a (sub)schema's string arms carry (None for a
    string arm without one)."""
    return {arm.get("format") for arm in arms(schema, root) if "string" in json_types(arm, root)}


def field_mismatches(reader: type[DomainEvent], published: JsonDict) -> list[str]:
    """What a tolerant reader reads that `published` (the producer's schema of the reader's
    event type and version) does not give it; empty when the reader is satisfied."""
    ours = reader.model_json_schema(mode="validation")
    return object_mismatches(f"{reader.event_type}.v{reader.schema_version}", ours, published)


def object_mismatches(where: str, ours: JsonDict, published: JsonDict) -> list[str]:
    """`field_mismatches` for the schema of a reader (`ours`, a model's JSON Schema) rather
    than the reader itself; `where` names it in the lines returned."""
    return _object(where, ours, ours, published, published)


def _object(
    where: str, ours: JsonDict, o_root: JsonDict, theirs: JsonDict, t_root: JsonDict
) -> list[str]:
    """Every property of our object is published, required there when we require it, and
    of a compatible value."""
    problems: list[str] = []
    their_properties = theirs.get("properties", {})
    for name, our_field in ours.get("properties", {}).items():
        at = f"{where}.{name}"
        if name not in their_properties:
            problems.append(f"{at} is not published")
            continue
        if name in ours.get("required", ()) and name not in theirs.get("required", ()):
            problems.append(f"{at} is optional there")
        problems += _value(at, our_field, o_root, their_properties[name], t_root)
    return problems


def _value(
    where: str, ours: JsonDict, o_root: JsonDict, theirs: JsonDict, t_root: JsonDict
) -> list[str]:
    """A value published as `theirs` is read by `ours`: a common JSON type, every format we
    want (a date or uuid is read only from a value published as one), and the same inside."""
    their_types, our_types = json_types(theirs, t_root), json_types(ours, o_root)
    if not their_types & our_types:
        return [f"{where}: types differ ({sorted(their_types)} there, {sorted(our_types)} here)"]
    wanted = {f for f in formats(ours, o_root) if f is not None}
    if not wanted <= formats(theirs, t_root):
        return [f"{where}: formats differ (we read {sorted(wanted)})"]
    return _inside(where, ours, o_root, theirs, t_root)


def _inside(
    where: str, ours: JsonDict, o_root: JsonDict, theirs: JsonDict, t_root: JsonDict
) -> list[str]:
    """Inside a value: the properties of a nested object, a list's items (`[]`), a map's values
    (`{}`), against the published alternative of the same kind that fits best."""
    problems: list[str] = []
    their_arms = arms(theirs, t_root)
    for arm in arms(ours, o_root):
        nested = _nested(where, arm, o_root, their_arms, t_root)
        if nested is not None:
            kind, candidates = nested
            best = min(candidates, key=len) if candidates else [f"{where} is not {kind} there"]
            problems += best
    return problems


def _nested(
    where: str, arm: JsonDict, o_root: JsonDict, their_arms: list[JsonDict], t_root: JsonDict
) -> tuple[str, list[list[str]]] | None:
    """The kind of container one of our alternatives is, and what is wrong inside it against
    each published alternative of that kind (None: a plain value, nothing inside to check)."""
    if arm.get("properties"):
        objects = [t for t in their_arms if t.get("properties")]
        return "an object", [_object(where, arm, o_root, t, t_root) for t in objects]
    if _is_list(arm):
        lists = [t for t in their_arms if _is_list(t)]
        at = f"{where}[]"
        return "a list", [_value(at, arm["items"], o_root, t["items"], t_root) for t in lists]
    values = _map_values(arm)
    if values is None:
        return None
    maps = [v for v in map(_map_values, their_arms) if v is not None]
    return "a map", [_value(f"{where}{{}}", values, o_root, v, t_root) for v in maps]


def _is_list(schema: JsonDict) -> bool:
    return schema.get("type") == "array" and "items" in schema


def _map_values(schema: JsonDict) -> JsonDict | None:
    """The schema of a map's values (`additionalProperties`, or its one `patternProperties`);
    None when the schema is no map."""
    if schema.get("type", "object") != "object":
        return None
    if isinstance(schema.get("additionalProperties"), dict):
        values: JsonDict = schema["additionalProperties"]
        return values
    patterns = list(schema.get("patternProperties", {}).values())
    return patterns[0] if len(patterns) == 1 else None


def personal_fields(published: JsonDict) -> set[str]:
    """The fields of an event published sealed as personal data (`x-personal-data`), in any
    of their alternatives (an optional one is sealed or null)."""
    return {
        name
        for name, value in published.get("properties", {}).items()
        if any(arm.get("x-personal-data") for arm in arms(value, published))
    }


def personal_reads(
    readers: Iterable[type[DomainEvent]], published: Published
) -> set[tuple[str, str]]:
    """The personal fields the readers read: (event type, field) for each field a reader reads
    that its published schema seals."""
    return {
        (reader.event_type, name)
        for reader in readers
        for name in personal_fields(published.schema_of(reader)) & set(reader.model_fields)
    }


def sealed_mismatches(reader: type[DomainEvent], published: JsonDict) -> list[str]:
    """For a consumer that keeps personal data: every field published sealed is read as the
    sealed value of exactly the published shape (closed; optional where it may be null there),
    and no other field is. Empty when so."""
    ours = reader.model_json_schema(mode="validation")
    where = f"{reader.event_type}.v{reader.schema_version}"
    sealed = personal_fields(published)
    problems: list[str] = []
    for name, our_field in ours.get("properties", {}).items():
        if name not in published.get("properties", {}):
            continue  # field_mismatches says so
        read_sealed = [arm for arm in arms(our_field, ours) if _is_sealed_value(arm, ours)]
        if name in sealed:
            problems += _sealed_read(f"{where}.{name}", name, read_sealed, ours, published)
        elif read_sealed:
            problems.append(f"{where}.{name} is not published sealed, but is read so")
    return problems


def _sealed_read(
    where: str, name: str, read: list[JsonDict], ours: JsonDict, published: JsonDict
) -> list[str]:
    """What is wrong with how a field published sealed is read (`read`: our sealed arms)."""
    theirs = published["properties"][name]
    their_arms = arms(theirs, published)
    flagged = [arm for arm in their_arms if arm.get("x-personal-data")]
    if len(flagged) != 1:
        return [f"{where}: published as {len(flagged)} sealed values"]
    [their_sealed] = flagged
    closed = their_sealed.get("additionalProperties") is False
    if not _is_sealed_value(their_sealed, published) or not closed:
        return [f"{where}: the published sealed value changed"]
    if not {arm.get("type") for arm in their_arms if arm is not their_sealed} <= {"null"}:
        return [f"{where}: published as the sealed value or something else"]
    if not read:
        return [f"{where} is published sealed: it must be read as SealedValue"]
    problems = [
        f"{where}.{key}: the sealed value's key differs"
        for key in sorted(SEALED_KEYS)
        if not _same_key(
            their_sealed["properties"][key], published, read[0]["properties"][key], ours
        )
    ]
    if read[0].get("additionalProperties") is not False:
        problems.append(f"{where}: sealed values are closed (extra='forbid')")
    if "null" in json_types(theirs, published) and "null" not in json_types(
        ours["properties"][name], ours
    ):
        problems.append(f"{where} may be null there")
    return problems


def _is_sealed_value(arm: JsonDict, root: JsonDict) -> bool:
    """Whether a schema is the sealed personal value: an object of exactly its three keys."""
    return (
        json_types(arm, root) == {"object"}
        and set(arm.get("properties", {})) == SEALED_KEYS
        and set(arm.get("required", ())) == SEALED_KEYS
    )


def _same_key(theirs: JsonDict, t_root: JsonDict, ours: JsonDict, o_root: JsonDict) -> bool:
    """A key of the sealed value: a common JSON type and the very same format."""
    common = json_types(theirs, t_root) & json_types(ours, o_root)
    return bool(common) and theirs.get("format") == ours.get("format")


def decode_problem(registry: EventRegistry, event_type: str, version: int) -> str | None:
    """Why `registry` cannot take an event of this type and version that the producer
    publishes, or None: an empty payload must get through the upcasters to the newest reader
    and then decode or fail only its validation (an unknown type or version, or a missing
    upcaster, would send the real event to the dead letters)."""
    try:
        registry.schema_of(event_type, version)
        decoded = registry.decode(event_type, version, {})
    except InvalidEventError as exc:
        if isinstance(exc.__cause__, ValidationError):
            return None  # the newest reader wants fields the empty payload lacks
        return f"{event_type}.v{version}: {exc}"
    except LookupError as exc:  # UnknownEventError
        return f"{event_type}.v{version}: {exc}"
    newest = registry.schema_of(event_type, registry.latest_version(event_type))
    if type(decoded) is not newest:
        return f"{event_type}.v{version} decodes to {type(decoded).__name__}, not the newest reader"
    return None
