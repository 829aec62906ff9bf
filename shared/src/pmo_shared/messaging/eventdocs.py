"""Event documentation for other internal systems: one JSON Schema per event type and
version, and an AsyncAPI 3.0 document per topic, generated from the registry and committed.

`pmo-event-docs write|check MODULE` writes them or fails when the committed files drifted
from the code (the test suite runs the check).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmo_shared.domain.events import EventRegistry

_HEADERS = {
    "ce_specversion": "CloudEvents version, always 1.0",
    "ce_id": "event id (UUID), unique; consumers deduplicate on it",
    "ce_source": "/pmo/<stream type>",
    "ce_type": "event type, e.g. ProjectStarted",
    "ce_subject": "stream id (UUID) of the aggregate",
    "ce_time": "when the fact occurred (RFC 3339)",
    "ce_schemaversion": "schema version of the payload",
    "ce_streamtype": "aggregate type",
    "ce_streamid": "stream id (UUID) of the aggregate",
    "ce_partitionkey": (
        "the ordering root's stream id (UUID), also the message key: the aggregate's own id, "
        "or for a Project Office its project's, so a project's and its office's events come in "
        "one order (messages published before this header existed are keyed by their own "
        "stream id)"
    ),
    "ce_streamversion": "version of the aggregate after this event (1, 2, ...)",
    "ce_tenantid": "tenant the aggregate belongs to",
    "ce_actor": "user who caused the event",
    "ce_correlationid": "correlation id of the request that caused it",
    "ce_causationid": "id of the message that caused it, when there is one",
    "content-type": "application/json",
}


@dataclass(frozen=True, slots=True)
class EventCatalog:
    """What a service publishes on one topic."""

    registry: EventRegistry
    topic: str
    title: str
    description: str
    directory: Path


def schema_files(catalog: EventCatalog) -> dict[str, str]:
    """File name → JSON text, for every event type and version and the AsyncAPI document."""
    files = {}
    for cls in catalog.registry:
        schema = cls.model_json_schema(mode="serialization")
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:pmo:event:{cls.event_type}:v{cls.schema_version}",
            "x-event-type": cls.event_type,
            "x-schema-version": cls.schema_version,
            **schema,
        }
        files[f"schemas/{cls.event_type}.v{cls.schema_version}.json"] = _dump(schema)
    files["asyncapi.json"] = _dump(asyncapi(catalog))
    return files


def asyncapi(catalog: EventCatalog) -> dict[str, Any]:
    """An AsyncAPI 3.0 document of the catalog's topic (newest version of each event)."""
    latest = {cls.event_type: cls for cls in catalog.registry}
    messages = {
        name: {
            "name": name,
            "title": name,
            "summary": (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else name,
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": f"schemas/{name}.v{cls.schema_version}.json"},
            "correlationId": {"location": "$message.header#/ce_correlationid"},
        }
        for name, cls in sorted(latest.items())
    }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": catalog.title, "version": "1.0.0", "description": catalog.description},
        "defaultContentType": "application/json",
        "channels": {
            "events": {
                "address": catalog.topic,
                "description": (
                    "CloudEvents 1.0 in Kafka binary mode: envelope in ce_* headers, payload as "
                    "the JSON body, key = the ordering root's stream id (ce_partitionkey): in "
                    "order per project, a project's Project Office included. Delivery is at "
                    "least once: deduplicate on ce_id."
                ),
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": {
            "publishEvents": {
                "action": "send",
                "channel": {"$ref": "#/channels/events"},
                "messages": [{"$ref": f"#/channels/events/messages/{n}"} for n in messages],
            }
        },
        "components": {
            "messages": messages,
            "schemas": {
                "CloudEventHeaders": {
                    "type": "object",
                    "required": [h for h in _HEADERS if h != "ce_causationid"],
                    "properties": {
                        h: {"type": "string", "description": d} for h, d in _HEADERS.items()
                    },
                }
            },
        },
    }


def drift(catalog: EventCatalog) -> list[str]:
    """Files whose committed content differs from what the code generates (or that are extra)."""
    expected = schema_files(catalog)
    problems = [
        name
        for name, text in expected.items()
        if not (catalog.directory / name).is_file()
        or (catalog.directory / name).read_text() != text
    ]
    existing = {str(p.relative_to(catalog.directory)) for p in catalog.directory.rglob("*.json")}
    problems += sorted(existing - expected.keys())
    return problems


def write(catalog: EventCatalog) -> None:
    """Regenerate the catalog's files."""
    for old in catalog.directory.rglob("*.json"):
        old.unlink()
    for name, text in schema_files(catalog).items():
        path = catalog.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """`pmo-event-docs write|check module:attribute` (an EventCatalog)."""
    parser = argparse.ArgumentParser(prog="pmo-event-docs")
    parser.add_argument("action", choices=["write", "check"])
    parser.add_argument("catalog", help="e.g. project_svc.domain.events:CATALOG")
    args = parser.parse_args()
    module, _, attribute = args.catalog.partition(":")
    catalog: EventCatalog = getattr(importlib.import_module(module), attribute or "CATALOG")
    if args.action == "write":
        write(catalog)
        print(f"wrote {catalog.directory}")
        return
    stale = drift(catalog)
    if stale:
        print(
            f"event docs drifted from the code: {stale}; run pmo-event-docs write", file=sys.stderr
        )
        sys.exit(1)
