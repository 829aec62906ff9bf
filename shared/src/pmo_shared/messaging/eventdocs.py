"""Event documentation for other internal systems: one JSON Schema per event type and
version, and an AsyncAPI 3.0 document per service, generated from the registry and committed.

The document has one channel for the service's event topic and one for each other topic some
of its events go to: the kernel's `DataSubjectErased` is published on the privacy topic, not
on the service's (`PRIVACY_CHANNEL`). `pmo-event-docs write|check MODULE` writes them or fails
when the committed files drifted from the code (the test suite runs the check).
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmo_shared.domain.events import (
    DATA_SUBJECT_STREAM,
    DataSubjectErased,
    DomainEvent,
    EventRegistry,
)
from pmo_shared.messaging.topics import TOPIC_BY_STREAM_TYPE

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
    "ce_actor": (
        "pseudonym (UUID) of who caused the event, a user or the system (system:<service>): "
        "their subject_ref in the producing service's key store, never their user id. The "
        "same person has another pseudonym in another service, and a new one after an "
        "erasure; the key service serves keys, not the user id behind a pseudonym. Messages "
        "published before personal data was sealed carry the user id itself"
    ),
    "ce_correlationid": "correlation id of the request that caused it",
    "ce_causationid": "id of the message that caused it, when there is one",
    "content-type": "application/json",
}


@dataclass(frozen=True, slots=True)
class Channel:
    """A topic some events of a catalog's registry go to instead of the catalog's topic."""

    name: str
    """The channel's id in the AsyncAPI document (its operation is `publish<Name>`)."""
    topic: str
    description: str
    event_types: frozenset[str]


PRIVACY_CHANNEL = Channel(
    name="privacy",
    topic=TOPIC_BY_STREAM_TYPE[DATA_SUBJECT_STREAM],
    description=(
        "The erasure ledger, shared by every service that stores events: one "
        "DataSubjectErased per erasure of a data subject (and per re-application after a "
        "restore, reapplied=true), CloudEvents 1.0 in Kafka binary mode as on the events "
        "channel; key = ce_subject = the subject's pseudonym (subject_ref). Kept forever; names "
        "no personal data (ce_actor is the pseudonym of who asked for the erasure, or of the "
        "service that re-applied it). Each "
        "service replays it from the beginning at start, to erase again what a restored "
        "backup brought back. The streams that named the person get PersonalDataErased on "
        "the events channel."
    ),
    event_types=frozenset({DataSubjectErased.event_type}),
)


@dataclass(frozen=True, slots=True)
class EventCatalog:
    """What a service publishes: the events of its registry on its topic, except those of
    the `elsewhere` channels (by default the kernel's privacy topic)."""

    registry: EventRegistry
    topic: str
    title: str
    description: str
    directory: Path
    elsewhere: tuple[Channel, ...] = (PRIVACY_CHANNEL,)


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
    """An AsyncAPI 3.0 document of the catalog's topics (newest version of each event)."""
    latest = {cls.event_type: cls for cls in catalog.registry}
    messages = {name: _message(name, cls) for name, cls in sorted(latest.items())}
    moved = {t for channel in catalog.elsewhere for t in channel.event_types}
    channels = {
        "events": (
            catalog.topic,
            _EVENTS_DESCRIPTION,
            [n for n in messages if n not in moved],
        )
    }
    for channel in catalog.elsewhere:
        names = [n for n in messages if n in channel.event_types]
        if names:
            channels[channel.name] = (channel.topic, channel.description, names)
    return {
        "asyncapi": "3.0.0",
        "info": {"title": catalog.title, "version": "1.0.0", "description": catalog.description},
        "defaultContentType": "application/json",
        "channels": {
            channel: {
                "address": topic,
                "description": description,
                "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names},
            }
            for channel, (topic, description, names) in channels.items()
        },
        "operations": {
            f"publish{channel[0].upper()}{channel[1:]}": {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel}"},
                "messages": [{"$ref": f"#/channels/{channel}/messages/{n}"} for n in names],
            }
            for channel, (_, _, names) in channels.items()
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


_EVENTS_DESCRIPTION = (
    "CloudEvents 1.0 in Kafka binary mode: envelope in ce_* headers, payload as the JSON body, "
    "key = the ordering root's stream id (ce_partitionkey): in order per project, a project's "
    "Project Office included. Delivery is at least once: deduplicate on ce_id. Personal data "
    "(fields marked x-personal-data) travels sealed, as {subject_ref, key_id, ciphertext}, "
    "opened with keys from the producing service's key service; PersonalDataErased marks a "
    "stream one of whose data subjects was erased (docs/personal-data.md)."
)


def _message(name: str, cls: type[DomainEvent]) -> dict[str, Any]:
    paragraphs = _paragraphs(cls.__doc__ or "")
    message: dict[str, Any] = {
        "name": name,
        "title": name,
        "summary": summary_of(cls.__doc__ or "") or name,
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
        "payload": {"$ref": f"schemas/{name}.v{cls.schema_version}.json"},
        "correlationId": {"location": "$message.header#/ce_correlationid"},
    }
    if paragraphs and "\n\n".join(paragraphs) != message["summary"]:
        message["description"] = "\n\n".join(paragraphs)
    return message


def _paragraphs(docstring: str) -> list[str]:
    """A docstring's paragraphs, each with its lines joined."""
    return [" ".join(p.split()) for p in docstring.strip().split("\n\n") if p.strip()]


_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z`(\"])")
_NOT_AN_END = ("e.g.", "i.e.", "etc.", "vs.", "cf.")


def summary_of(docstring: str) -> str:
    """The first sentence of a docstring, its lines joined (the first line alone may stop
    mid-sentence); the whole first paragraph when it is one sentence; "" for no docstring."""
    paragraphs = _paragraphs(docstring)
    if not paragraphs:
        return ""
    first = paragraphs[0]
    for end in _SENTENCE_END.finditer(first):
        if not first[: end.end()].endswith(_NOT_AN_END):
            return first[: end.end()]
    return first


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
