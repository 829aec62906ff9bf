"""Idempotency-Key records: a retried request gets the first attempt's result.

A record is scoped to the tenant and the key. `recall` waits for a concurrent request with the
same key to finish (so racing retries all see the first result), refuses a key reused with a
different request, and returns the remembered response; `remember` stores a new one in the same
unit of work as the events it answers for, so both commit or neither does.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

import orjson

from pmo_shared.application.errors import IdempotencyKeyReuseError

JsonDict = dict[str, Any]


def request_hash(request: JsonDict) -> str:
    """A stable fingerprint of a request's content (keys sorted)."""
    return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()


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
