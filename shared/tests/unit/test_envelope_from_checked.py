"""`EventEnvelope.from_checked`, the decoder's fast constructor, builds what pydantic builds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from pmo_shared.domain.events import EventEnvelope
from pmo_shared.messaging.cloudevents import decode, encode


def _fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event_id": uuid4(),
        "event_type": "ProjectProposed",
        "schema_version": 2,
        "stream_type": "project",
        "stream_id": uuid4(),
        "stream_version": 7,
        "occurred_at": datetime(2026, 12, 2, 5, 30, tzinfo=UTC),
        "tenant_id": "acme",
        "actor": "u-1",
        "correlation_id": "c-1",
        "causation_id": None,
        "payload": {"name": "Apollo", "bac": "1200.00", "nested": {"a": [1, 2]}},
        "ordering_id": None,
    }
    fields.update(overrides)
    return fields


@pytest.mark.parametrize("ordering", [None, uuid4()])
def test_envelope_from_checked_equals_the_validated_model(ordering: UUID | None) -> None:
    fields = _fields(ordering_id=ordering, causation_id="e-0")
    fast = EventEnvelope.from_checked(dict(fields))
    validated = EventEnvelope.model_validate(fields)
    assert fast == validated
    assert fast.model_dump() == validated.model_dump()
    assert fast.model_fields_set == validated.model_fields_set
    assert fast.ordering_key == (ordering or fields["stream_id"])
    assert fast.model_copy(update={"stream_version": 8}).stream_version == 8
    assert hash(fast.event_id) == hash(validated.event_id)


def test_envelope_from_checked_stays_frozen() -> None:
    envelope = EventEnvelope.from_checked(_fields())
    with pytest.raises(ValidationError):
        envelope.stream_version = 9  # type: ignore[misc]


@pytest.mark.parametrize("change", ["missing", "extra"])
def test_envelope_from_checked_wants_every_field_and_no_other(change: str) -> None:
    fields = _fields()
    if change == "missing":
        del fields["ordering_id"]
    else:
        fields["surprise"] = 1
    with pytest.raises(TypeError, match="envelope fields expected exactly"):
        EventEnvelope.from_checked(fields)


@pytest.mark.parametrize("ordering", [None, uuid4()])
def test_envelope_decoded_round_trip_equals_the_original(ordering: UUID | None) -> None:
    original = EventEnvelope.model_validate(_fields(ordering_id=ordering))
    message = encode(original)
    decoded = decode(message.value, message.headers)
    assert decoded == original
    assert decoded.ordering_id == ordering


def test_envelope_partition_key_in_upper_case_is_the_stream_itself() -> None:
    original = EventEnvelope.model_validate(_fields())
    message = encode(original)
    headers = [
        (k, str(original.stream_id).upper().encode() if k == "ce_partitionkey" else v)
        for k, v in message.headers
    ]
    assert decode(message.value, headers).ordering_id is None
