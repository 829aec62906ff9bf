"""Hypothesis strategies for the JSON Schema keywords project-svc's committed event schemas
use (types, formats date and uuid, lengths, patterns, bounds, enums, $ref, anyOf, arrays,
objects with required and optional properties, maps). hypothesis-jsonschema 0.23.1 does not
run with the pinned Hypothesis (it uses internals Hypothesis has since removed), and these
schemas need no more than this."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

Schema = dict[str, Any]


def from_schema(schema: Schema) -> st.SearchStrategy[Any]:
    """Values valid against `schema` (a document whose `$ref`s point into its `$defs`)."""
    return _strategy(schema, schema.get("$defs", {}))


def _strategy(schema: Schema, defs: dict[str, Schema]) -> st.SearchStrategy[Any]:
    if "$ref" in schema:
        return _strategy(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in schema:
        return st.one_of([_strategy(s, defs) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, defs)
    if kind == "array":
        items = _strategy(schema.get("items", {}), defs)
        return st.lists(
            items, min_size=schema.get("minItems", 0), max_size=schema.get("maxItems", 5)
        )
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    raise NotImplementedError(f"no strategy for {schema}")


def _string(schema: Schema) -> st.SearchStrategy[str]:
    fmt = schema.get("format")
    if fmt == "date":
        return st.dates().map(lambda d: d.isoformat())
    if fmt == "uuid":
        return st.uuids().map(str)
    if fmt is not None:
        raise NotImplementedError(f"no strategy for the {fmt} format")
    low, high = schema.get("minLength", 0), schema.get("maxLength", 60)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(
            lambda s: low <= len(s) <= high
        )
    return st.text(min_size=low, max_size=min(high, 60))


def _object(schema: Schema, defs: dict[str, Schema]) -> st.SearchStrategy[dict[str, Any]]:
    properties: dict[str, Schema] = schema.get("properties", {})
    extra = schema.get("additionalProperties", False)
    if not properties and extra is False:  # an event without fields
        return st.just({})
    if not properties:  # a map: keys by propertyNames, values by additionalProperties
        keys = _string(schema.get("propertyNames", {"type": "string"}))
        values = _strategy(extra if isinstance(extra, dict) else {"type": "string"}, defs)
        return st.dictionaries(keys, values, max_size=3)
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {name: _strategy(s, defs) for name, s in properties.items() if name in required},
        optional={
            name: _strategy(s, defs) for name, s in properties.items() if name not in required
        },
    )
