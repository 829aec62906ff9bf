"""CloudEvents 1.0 Kafka protocol binding, binary mode: envelope in `ce_*` headers,
payload as the JSON body, key = the ordering root's stream id (the CloudEvents partitioning
extension's `partitionkey`): a stream's own id, or for a part that lives with another aggregate
(a Project Office), that aggregate's (its project's), so both come in one order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import orjson

from pmo_shared.domain.events import EventEnvelope, InvalidEventError

Headers = list[tuple[str, bytes]]

# Envelope fields carried as CloudEvents extension attributes (lower-case alphanumerics only).
_EXTENSIONS = {
    "schemaversion": "schema_version",
    "streamtype": "stream_type",
    "streamid": "stream_id",
    "streamversion": "stream_version",
    "tenantid": "tenant_id",
    "actor": "actor",
    "correlationid": "correlation_id",
    "causationid": "causation_id",
}


@dataclass(frozen=True, slots=True)
class KafkaMessage:
    """What goes on the wire."""

    key: bytes
    value: bytes
    headers: Headers


def source_of(stream_type: str) -> str:
    """The CloudEvents `source` of a stream type's events."""
    return f"/pmo/{stream_type}"


def encode(envelope: EventEnvelope) -> KafkaMessage:
    """Envelope to a binary-mode CloudEvents Kafka message."""
    headers: Headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(envelope.event_id).encode()),
        ("ce_source", source_of(envelope.stream_type).encode()),
        ("ce_type", envelope.event_type.encode()),
        ("ce_subject", str(envelope.stream_id).encode()),
        ("ce_time", envelope.occurred_at.isoformat().encode()),
        ("content-type", b"application/json"),
        ("ce_partitionkey", str(envelope.ordering_key).encode()),
    ]
    for attribute, field in _EXTENSIONS.items():
        value = getattr(envelope, field)
        if value is not None:
            headers.append((f"ce_{attribute}", str(value).encode()))
    return KafkaMessage(
        key=str(envelope.ordering_key).encode(),
        value=orjson.dumps(envelope.payload),
        headers=headers,
    )


def decode(value: bytes | None, headers: Sequence[tuple[str, bytes]]) -> EventEnvelope:
    """A binary-mode CloudEvents Kafka message back to the envelope; `InvalidEventError` when
    it is not one of ours."""
    # Hot on every consumer (a rebuild decodes every event ever published): each field is
    # checked explicitly once, then the envelope is built without a second validation pass.
    attrs = {k[3:]: v for k, v in headers if k.startswith("ce_")}
    if attrs.get("specversion") != b"1.0":
        raise InvalidEventError("not a CloudEvents 1.0 binary-mode message")
    try:
        payload = orjson.loads(value or b"")
        if not isinstance(payload, dict):
            raise InvalidEventError("event body is not a JSON object")
        versions = int(attrs["schemaversion"]), int(attrs["streamversion"])
        occurred_at = datetime.fromisoformat(attrs["time"].decode())
        if min(versions) < 1 or occurred_at.tzinfo is None:
            raise InvalidEventError("versions start at 1 and times carry their offset")
        causation = attrs.get("causationid")
        raw_stream_id = attrs["streamid"]
        stream_id = UUID(raw_stream_id.decode())
        # absent on messages from before it existed; parsed only when it names another stream
        partition_key = attrs.get("partitionkey")
        ordering_id = None
        if partition_key is not None and partition_key != raw_stream_id:
            ordering_id = UUID(partition_key.decode())
            if ordering_id == stream_id:  # the same id spelt otherwise (upper case)
                ordering_id = None
        return EventEnvelope.from_checked(
            {
                "event_id": UUID(attrs["id"].decode()),
                "event_type": attrs["type"].decode(),
                "schema_version": versions[0],
                "stream_type": attrs["streamtype"].decode(),
                "stream_id": stream_id,
                "stream_version": versions[1],
                "occurred_at": occurred_at,
                "tenant_id": _text(attrs["tenantid"]),
                "actor": _text(attrs["actor"]),
                "correlation_id": _text(attrs["correlationid"]),
                "causation_id": causation.decode() if causation is not None else None,
                "payload": payload,
                "ordering_id": ordering_id,
            }
        )
    except InvalidEventError:
        raise
    except (KeyError, ValueError, TypeError, AttributeError, orjson.JSONDecodeError) as exc:
        # UnicodeError is a ValueError; a header without a value gives Attribute/TypeErrors
        raise InvalidEventError(f"malformed event message: {exc!r}") from exc


def _text(raw: bytes) -> str:
    value = raw.decode()
    if not value:
        raise InvalidEventError("an envelope attribute is empty")
    return value
