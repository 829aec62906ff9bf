"""Failures that must never stop a consumer or confuse a retry: a message with an empty header,
an upcaster that fails, a database's passing trouble, sets and spaces in idempotency keys."""

from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import DBAPIError

from pmo_shared.application.idempotency import IdempotentRequest, request_hash
from pmo_shared.domain.events import (
    DomainEvent,
    EventEnvelope,
    EventRegistry,
    InvalidEventError,
)
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.consumer import is_transient

ENVELOPE = EventEnvelope(
    event_id=uuid.uuid4(),
    event_type="Thing",
    schema_version=1,
    stream_type="thing",
    stream_id=uuid.uuid4(),
    stream_version=1,
    occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
    tenant_id="acme",
    actor="ann",
    correlation_id="c-1",
    causation_id=None,
    payload={"n": 1},
)


def test_a_header_without_a_value_is_an_invalid_event_not_a_crash() -> None:
    message = cloudevents.encode(ENVELOPE)
    headers = [(k, None if k == "ce_tenantid" else v) for k, v in message.headers]

    with pytest.raises(InvalidEventError):
        cloudevents.decode(message.value, headers)  # type: ignore[arg-type]


def test_an_upcaster_that_fails_makes_the_event_invalid() -> None:
    registry = EventRegistry()

    @registry.register
    class ThingV1(DomainEvent):
        event_type = "Thing"
        n: int

    @registry.register
    class ThingV2(DomainEvent):
        event_type = "Thing"
        schema_version = 2
        m: int

    @registry.upcaster("Thing", from_version=1)
    def broken(payload: dict[str, object]) -> dict[str, object]:
        return {"m": payload["missing"]}

    with pytest.raises(InvalidEventError, match="cannot be upcast"):
        registry.decode_envelope(ENVELOPE)


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("state", "transient"),
    [
        ("40P01", True),
        ("40001", True),
        ("55P03", True),
        ("57014", True),
        ("08006", True),
        ("23505", False),
        ("22003", False),
        ("42P01", False),
    ],
)
def test_only_passing_database_trouble_is_transient(state: str, transient: bool) -> None:
    error = DBAPIError("SELECT 1", {}, _DriverError(state))
    error.orig = _DriverError(state)  # type: ignore[assignment]
    assert is_transient(error) is transient


def test_a_refusal_by_the_projection_is_not_transient() -> None:
    assert is_transient(ValueError("bad row")) is False


@dataclass(frozen=True)
class Tag:
    names: frozenset[str]


def test_a_request_hash_is_the_same_in_every_process() -> None:
    code = (
        "from pmo_shared.application.idempotency import request_hash;"
        "print(request_hash({'names': frozenset({'alpha', 'beta', 'gamma', 'delta', 'eps'})}))"
    )
    hashes = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(hashes) == 1


def test_a_request_hash_tells_command_types_apart() -> None:
    @dataclass(frozen=True)
    class Other:
        names: frozenset[str]

    assert request_hash(Tag(frozenset({"a"}))) != request_hash(Other(frozenset({"a"})))


def test_record_keys_of_different_callers_and_keys_never_meet() -> None:
    first = IdempotentRequest(key="b c", route="POST /x").record_key("a")
    second = IdempotentRequest(key="c", route="POST /x").record_key("a b")
    assert first != second
