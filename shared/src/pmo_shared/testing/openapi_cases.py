"""Test cases generated from a service's OpenAPI document (used by tests only).

The security suite covers every route a service documents, so a new route is tested without new
test code: `operations` lists them, `concrete_path` fills a path template, `sample_of` makes the
smallest body a request schema accepts, and `hostile_bodies` derives from that body the inputs no
service may accept (each with the statuses a precise refusal may have).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
COMMAND_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Strings tried, in order, for a `pattern` the sample must match; extend when a new pattern
# needs another (a schema none of them fits fails loudly in `sample_of`).
_PATTERN_CANDIDATES = ("K3-{hex}", "x", "EUR", "2027-W05", "1/3", "3")


@dataclass(frozen=True, slots=True)
class Operation:
    """One documented (method, path template) of a service, with its OpenAPI operation."""

    method: str
    path: str
    spec: JsonDict = field(repr=False)
    document: JsonDict = field(repr=False)

    @property
    def name(self) -> str:
        """How test reports name it, e.g. `POST /v1/projects/{project_id}/start`."""
        return f"{self.method} {self.path}"

    @property
    def is_command(self) -> bool:
        """Whether it changes something (every method but GET)."""
        return self.method in COMMAND_METHODS

    @property
    def secured(self) -> bool:
        """Whether the document says it needs a bearer token."""
        return bool(self.spec.get("security"))

    @property
    def path_parameters(self) -> dict[str, JsonDict]:
        """Each path parameter's name and schema."""
        return {
            p["name"]: resolve(self.document, p.get("schema", {}))
            for p in self.spec.get("parameters", [])
            if p.get("in") == "path"
        }

    @property
    def header_parameters(self) -> frozenset[str]:
        """The (lower-case) names of the headers it documents, e.g. `idempotency-key`."""
        return frozenset(
            p["name"].lower() for p in self.spec.get("parameters", []) if p.get("in") == "header"
        )

    @property
    def body_schema(self) -> JsonDict | None:
        """The JSON request body's schema (a `{"$ref"}` or `anyOf [X, null]` resolved to X),
        None when it takes no JSON body."""
        content = self.spec.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            return None
        return _without_null(self.document, schema)


def operations(document: JsonDict) -> list[Operation]:
    """Every operation the document describes, in its order."""
    return [
        Operation(method.upper(), path, operation, document)
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def resolve(document: JsonDict, schema: JsonDict) -> JsonDict:
    """The schema a `{"$ref": "#/..."}` points to (followed until it is not a reference)."""
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _without_null(document: JsonDict, schema: JsonDict) -> JsonDict:
    schema = resolve(document, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        real = [resolve(document, o) for o in options if o.get("type") != "null"]
        if len(real) == 1:
            return real[0]
    return schema


def concrete_path(operation: Operation, values: Mapping[str, str] | None = None) -> str:
    """The template's path with each parameter from `values`, else a sample of its schema (a
    fresh UUID for a `uuid` one, which names nothing)."""
    given = dict(values or {})
    filled = {
        name: given.get(name) or str(sample_of(operation.document, schema))
        for name, schema in operation.path_parameters.items()
    }
    return re.sub(
        r"\{([^}]+)\}", lambda m: filled.get(m.group(1)) or str(uuid.uuid4()), operation.path
    )


def sample_of(document: JsonDict, schema: JsonDict, *, today: dt.date | None = None) -> Any:
    """The smallest value `schema` accepts: only required members, the least items, the first
    enum value, today for a date (a business date may not lie in the future)."""
    schema = resolve(document, schema)
    day = today or dt.date.today()
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema or "oneOf" in schema:
        options = [resolve(document, o) for o in schema.get("anyOf") or schema.get("oneOf") or []]
        chosen = next((o for o in options if o.get("type") != "null"), options[0])
        return sample_of(document, chosen, today=day)
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        return _sample_object(document, schema, day)
    if kind == "array":
        return [
            sample_of(document, schema.get("items", {}), today=day)
            for _ in range(schema.get("minItems", 0))
        ]
    if kind == "string":
        return _sample_string(schema, day)
    if kind in ("integer", "number"):
        return _sample_number(schema, integer=kind == "integer")
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    raise ValueError(f"no sample for the schema {schema!r}")


def _sample_object(document: JsonDict, schema: JsonDict, day: dt.date) -> JsonDict:
    value = {
        name: sample_of(document, schema["properties"][name], today=day)
        for name in schema.get("required", [])
    }
    if len(value) < schema.get("minProperties", 0):
        # A map (objective -> weight, currency -> amount): one entry, its key a sample of the
        # key pattern.
        patterns = schema.get("patternProperties") or {}
        extra = schema.get("additionalProperties")
        if patterns:
            key_pattern, member = next(iter(patterns.items()))
            key = _sample_string({"pattern": key_pattern, "minLength": 1}, day)
        elif isinstance(extra, dict):
            key, member = "k3", extra
        else:
            raise ValueError(f"no sample member for {schema!r}")
        value[key] = sample_of(document, member, today=day)
    return value


def _sample_string(schema: JsonDict, day: dt.date) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return day.isoformat()
    if fmt == "date-time":
        return dt.datetime.now(dt.UTC).isoformat()
    if fmt == "uuid":
        return str(uuid.uuid4())
    pattern = schema.get("pattern")
    low, high = schema.get("minLength", 0), schema.get("maxLength", 10_000)
    for candidate in _PATTERN_CANDIDATES:
        value = candidate.format(hex=uuid.uuid4().hex[:8])
        if low <= len(value) <= high and (pattern is None or re.search(pattern, value)):
            return value
    raise ValueError(f"no sample string matches {schema!r}: add one to _PATTERN_CANDIDATES")


def _sample_number(schema: JsonDict, *, integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value: float = 1
    if low is not None and value <= low:
        value = low + 1
    if high is not None and value >= high:
        value = high if "maximum" in schema else (high + (low or 0)) / 2
    return int(value) if integer else value


def properties_of(document: JsonDict, schema: JsonDict) -> dict[str, JsonDict]:
    """A body schema's members with their schemas (`anyOf [X, null]` resolved to X)."""
    return {
        name: _without_null(document, prop)
        for name, prop in resolve(document, schema).get("properties", {}).items()
    }


def _kinds(document: JsonDict, schema: JsonDict) -> set[str]:
    schema = resolve(document, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return set().union(*(_kinds(document, o) for o in options))
    kind = schema.get("type")
    if kind == "string" and schema.get("format"):
        return {f"string:{schema['format']}"}
    return {str(kind)} if kind else set()


@dataclass(frozen=True, slots=True)
class HostileBody:
    """A request body no service may accept, and the statuses a precise refusal may have."""

    name: str
    content: bytes
    statuses: frozenset[int]
    content_type: str = "application/json"
    chunked: bool = False
    """Sent without a Content-Length (so only counting the bytes read can stop it)."""


MALFORMED = frozenset({400, 422})
INVALID = frozenset({422})
TOO_LARGE = frozenset({413})

CONTROL_CHARACTERS = "".join(chr(c) for c in range(1, 0x20) if chr(c) not in "\t\n\r") + "\x7f"
"""The C0 control characters but NUL (a case of its own), tab, line feed and carriage return;
and DEL."""


def _dumps(body: object) -> bytes:
    return json.dumps(body, allow_nan=True).encode()


def hostile_bodies(
    operation: Operation, *, max_body_bytes: int, huge: bool = False
) -> Iterator[HostileBody]:
    """The hostile variants of the operation's sample body: whole-body attacks (size, nesting,
    encoding, media type, unknown members), then per member by its kind (text, money or number,
    date). With `huge`, only the 10 MB ones (made as they are asked for)."""
    schema = operation.body_schema
    if schema is None:
        return
    document = operation.document
    valid: JsonDict = sample_of(document, schema)
    if huge:
        body = _dumps({**valid, next(iter(valid), "k3"): "s" * (10 * 1024 * 1024)})
        yield HostileBody("10-MB-string", body, TOO_LARGE)
        yield HostileBody("10-MB-chunked", body, TOO_LARGE, chunked=True)
        return
    yield from _whole_body(valid, max_body_bytes=max_body_bytes)
    for name, prop in properties_of(document, schema).items():
        for label, raw in _member_values(document, prop):
            content = _dumps({**valid, name: "\x00RAW\x00"}).replace(b'"\\u0000RAW\\u0000"', raw)
            yield HostileBody(f"{name}={label}", content, INVALID)


def _whole_body(valid: JsonDict, *, max_body_bytes: int) -> Iterator[HostileBody]:
    padding = "p" * (max_body_bytes + 1024)
    yield HostileBody("over-the-limit", _dumps({**valid, "padding": padding}), TOO_LARGE)
    yield HostileBody("deep-json-10k", b"[" * 10_000 + b"]" * 10_000, MALFORMED)
    yield HostileBody(
        "deep-json-member",
        _dumps(valid)[:-1] + b', "deep": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        MALFORMED,
    )
    yield HostileBody("invalid-utf8", _dumps(valid)[:-1] + b', "bad": "\xff\xfe\xc3"}', MALFORMED)
    yield HostileBody("not-json", b"{'single': quotes,", MALFORMED)
    yield HostileBody("json-array", b"[]", INVALID)
    yield HostileBody("unknown-member", _dumps({**valid, "k3_unknown_member": 1}), INVALID)
    yield HostileBody("text/plain", _dumps(valid), frozenset({415}), content_type="text/plain")
    yield HostileBody(
        "form-encoded", b"a=1", frozenset({415}), content_type="application/x-www-form-urlencoded"
    )
    yield HostileBody("xml", b"<a/>", frozenset({415}), content_type="application/xml")


def _member_values(document: JsonDict, prop: JsonDict) -> Iterator[tuple[str, bytes]]:
    kinds = _kinds(document, prop)
    if "string" in kinds and "number" not in kinds and "enum" not in resolve(document, prop):
        yield "NUL", _dumps("a\x00b")
        yield "control-characters", _dumps(f"a{CONTROL_CHARACTERS}b")
        yield "lone-surrogate", b'"a\\ud800b"'
    if "number" in kinds or "integer" in kinds:
        yield "NaN", b"NaN"
        yield "Infinity", b"Infinity"
        yield "-Infinity", b"-Infinity"
        yield "40-digit-integer", b"1" + b"0" * 39
        yield "1e400", b"1e400"
    if "number" in kinds and "string" in kinds:
        # Money and other exact decimals, which may come as a string.
        yield "40-digit-decimal-string", _dumps("0." + "1" * 40)
        yield "40-digit-string", _dumps("1" + "0" * 39)
        yield "NaN-string", _dumps("NaN")
        yield "Infinity-string", _dumps("Infinity")
        yield "sNaN-string", _dumps("sNaN")
        yield "exponent-string", _dumps("1E+999999")
    if "number" in kinds and _must_be_positive(document, prop):
        yield "negative", b"-1"
    if "string:date" in kinds:
        yield "year-0", _dumps("0000-01-01")
        yield "year-10000", _dumps("10000-01-01")
        yield "year-9999", _dumps("9999-12-31")
        yield "not-a-date", _dumps("2027-02-30")


def _must_be_positive(document: JsonDict, prop: JsonDict) -> bool:
    schema = resolve(document, prop)
    options = [resolve(document, o) for o in schema.get("anyOf") or [schema]]
    return any(
        o.get("type") == "number" and ("exclusiveMinimum" in o or o.get("minimum", -1) >= 0)
        for o in options
    )
