"""What the application layer refuses beyond the domain's rules."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pmo_shared.domain.errors import Refusal


class AggregateNotFoundError(Refusal):
    """No such aggregate for this tenant (another tenant's is not found either) (404)."""

    status = 404
    code = "not-found"

    def __init__(self, what: str, aggregate_id: UUID) -> None:
        super().__init__(f"{what} {aggregate_id} not found")
        self.aggregate_id = aggregate_id


class StaleVersionError(Refusal):
    """The client's If-Match names a version the stream has moved past (412)."""

    status = 412
    code = "stale-version"

    def __init__(self, *, expected: int, actual: int) -> None:
        super().__init__(f"If-Match names version {expected}, the current version is {actual}")
        self.expected = expected
        self.actual = actual

    def problem_extra(self) -> dict[str, Any]:
        """The version the resource is at now."""
        return {"current_version": self.actual}

    def problem_headers(self) -> dict[str, str]:
        """The resource's current ETag."""
        return {"ETag": f'"{self.actual}"'}


class ForbiddenError(Refusal):
    """The caller may read this but not change it (403)."""

    status = 403
    code = "forbidden"


class IdempotencyKeyReuseError(Refusal):
    """The Idempotency-Key was used before with a different request (422)."""

    status = 422
    code = "idempotency-key-reused"
