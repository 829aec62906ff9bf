"""CloudEvents binary mode: what goes out comes back the same; anything else is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from pmo_shared.domain.events import EventEnvelope, InvalidEventError
from pmo_shared.messaging import cloudevents

ENVELOPE = EventEnvelope(
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
    payload={"actual_start": "2026-03-01", "amount": "12.50"},
)


def test_an_encoded_event_decodes_to_the_same_envelope() -> None:
    message = cloudevents.encode(ENVELOPE)

    assert message.key == str(ENVELOPE.stream_id).encode()
    assert ("ce_type", b"ProjectStarted") in message.headers
    assert cloudevents.decode(message.value, message.headers) == ENVELOPE
    with_cause = ENVELOPE.model_copy(update={"causation_id": "cause-9"})
    again = cloudevents.encode(with_cause)
    assert cloudevents.decode(again.value, again.headers) == with_cause


def _without(name: str) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in cloudevents.encode(ENVELOPE).headers if k != name]


def _replaced(name: str, value: bytes) -> list[tuple[str, bytes]]:
    return [(k, value if k == name else v) for k, v in cloudevents.encode(ENVELOPE).headers]


@pytest.mark.parametrize(
    ("value", "headers"),
    [
        (b"{}", []),
        (b"{}", _without("ce_specversion")),
        (b"{}", _without("ce_id")),
        (b"{}", _without("ce_tenantid")),
        (b"{}", _replaced("ce_id", b"not-a-uuid")),
        (b"{}", _replaced("ce_streamversion", b"0")),
        (b"{}", _replaced("ce_schemaversion", b"two")),
        (b"{}", _replaced("ce_time", b"yesterday")),
        (b"{}", _replaced("ce_time", b"2026-03-01T09:30:00")),
        (b"{}", _replaced("ce_actor", b"\xff\xfe")),
        (b"{}", _replaced("ce_actor", b"")),
        (b"not json", cloudevents.encode(ENVELOPE).headers),
        (b"[1, 2]", cloudevents.encode(ENVELOPE).headers),
        (None, cloudevents.encode(ENVELOPE).headers),
    ],
)
def test_anything_not_one_of_ours_is_an_invalid_event(
    value: bytes | None, headers: list[tuple[str, bytes]]
) -> None:
    with pytest.raises(InvalidEventError):
        cloudevents.decode(value, headers)
