"""The Kafka key of an event is its ordering root's stream id (CloudEvents `partitionkey`): its
own stream's, or for a part of another aggregate (a Project Office), that aggregate's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pmo_shared.domain.events import EventEnvelope
from pmo_shared.messaging import cloudevents

OWN = EventEnvelope(
    event_id=uuid.uuid4(),
    event_type="ProjectStarted",
    schema_version=1,
    stream_type="project",
    stream_id=uuid.uuid4(),
    stream_version=4,
    occurred_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    tenant_id="acme",
    actor="pm-ann",
    correlation_id="c-1",
    causation_id=None,
    payload={},
)
PART = OWN.model_copy(update={"stream_type": "project_office", "ordering_id": uuid.uuid4()})


def _header(message: cloudevents.KafkaMessage, name: str) -> bytes | None:
    return dict(message.headers).get(name)


def test_an_aggregate_of_its_own_is_keyed_by_its_stream_id() -> None:
    message = cloudevents.encode(OWN)

    assert message.key == str(OWN.stream_id).encode()
    assert _header(message, "ce_partitionkey") == message.key
    assert cloudevents.decode(message.value, message.headers) == OWN


def test_a_part_is_keyed_by_its_ordering_root_and_keeps_its_own_stream_id() -> None:
    message = cloudevents.encode(PART)

    assert PART.ordering_id is not None
    assert message.key == str(PART.ordering_id).encode()
    assert _header(message, "ce_partitionkey") == message.key
    assert _header(message, "ce_streamid") == str(PART.stream_id).encode()
    assert cloudevents.decode(message.value, message.headers) == PART


def test_a_message_from_before_the_partition_key_decodes_as_its_own_root() -> None:
    message = cloudevents.encode(PART)
    old_headers = [(k, v) for k, v in message.headers if k != "ce_partitionkey"]

    decoded = cloudevents.decode(message.value, old_headers)

    assert decoded.ordering_id is None
    assert decoded.ordering_key == PART.stream_id
