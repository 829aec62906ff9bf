"""Idempotency-Key records: a retried request gets the first attempt's result, once.

A record is scoped to the tenant, the caller, the route and the key (`IdempotentRequest`).
`recall` waits for a concurrent request with the same key to finish (so racing retries all see
the first result), refuses a key reused with a different request, and returns the remembered
result; `remember` stores a new one in the same unit of work as the events it answers for, so
both commit or neither does. The command bus does both for every command sent with a key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, is_dataclass
from decimal import Decimal
from typing import Any, Protocol

import orjson
from pydantic import BaseModel

from pmo_shared.application.errors import IdempotencyKeyReuseError

JsonDict = dict[str, Any]


def request_hash(request: object) -> str:
    """A stable fingerprint of a request's content: a dict, or a command with its type (keys
    sorted, sets in a fixed order: the same in every process)."""
    kind = "" if isinstance(request, dict) else type(request).__qualname__
    content = orjson.dumps(request, default=_jsonable, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(kind.encode() + b"\0" + content).hexdigest()


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, frozenset | set):
        return sorted(value, key=lambda v: orjson.dumps(v, default=_jsonable))
    if isinstance(value, tuple):
        return list(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {k: getattr(value, k) for k in value.__dataclass_fields__}
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """A command sent with an Idempotency-Key: the key and where it was sent (for HTTP, the
    method and route template, e.g. `POST /v1/projects/{project_id}/costs`)."""

    key: str
    route: str

    def record_key(self, subject: str) -> str:
        """The record's key within the tenant: caller, route and key together (hashed, so no
        two different triples can meet)."""
        parts = orjson.dumps([self.route, subject, self.key])
        return "k1:" + hashlib.sha256(parts).hexdigest()


class IdempotencyRecords(Protocol):
    """The Idempotency-Key records of one unit of work."""

    async def recall(self, *, tenant_id: str, key: str, request_hash: str) -> JsonDict | None:
        """The response remembered for this key, None if it is new; `IdempotencyKeyReuseError`
        if it was used with a different request. Holds the key until the unit of work ends."""
        ...

    async def remember(
        self, *, tenant_id: str, key: str, request_hash: str, status_code: int, response: JsonDict
    ) -> None:
        """Keep the response of a request with a new key."""
        ...


def reused() -> IdempotencyKeyReuseError:
    """The refusal of a key used before with a different request."""
    return IdempotencyKeyReuseError("this Idempotency-Key was used with a different request")


class InMemoryIdempotencyRecords:
    """Idempotency records in a dict, for unit tests: what a unit of work remembers counts only
    once `commit` is called (no waiting: unit tests run one unit at a time)."""

    def __init__(self, committed: dict[tuple[str, str], tuple[str, int, JsonDict]] | None = None):
        self.records: dict[tuple[str, str], tuple[str, int, JsonDict]] = (
            {} if committed is None else committed
        )
        self._staged: dict[tuple[str, str], tuple[str, int, JsonDict]] = {}

    def unit(self) -> InMemoryIdempotencyRecords:
        """The records as one unit of work sees them."""
        return InMemoryIdempotencyRecords(self.records)

    def commit(self) -> None:
        """The unit of work committed: what it remembered is kept."""
        self.records.update(self._staged)
        self._staged.clear()

    async def recall(self, *, tenant_id: str, key: str, request_hash: str) -> JsonDict | None:
        """See `IdempotencyRecords.recall`."""
        record = self._staged.get((tenant_id, key)) or self.records.get((tenant_id, key))
        if record is None:
            return None
        if record[0] != request_hash:
            raise reused()
        return record[2]

    async def remember(
        self, *, tenant_id: str, key: str, request_hash: str, status_code: int, response: JsonDict
    ) -> None:
        """See `IdempotencyRecords.remember`."""
        self._staged[(tenant_id, key)] = (request_hash, status_code, response)
