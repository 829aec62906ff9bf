"""Refusals: why a command or a read cannot be done, as exceptions that carry their answer.

Every refusal names its HTTP status and problem type (`code`, the last part of the problem's
`type` URL); the web layer turns any of them into an RFC 9457 problem response, so a service
declares a refusal once, where it arises, and maps nothing. The domain's refusals are the four
kinds of `DomainError`; the application's (not found, stale version, forbidden, ...) live in
`pmo_shared.application.errors`.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Refusal(Exception):  # noqa: N818 -- a refusal is not an error of the program
    """A request the system refuses for a reason the caller can act on."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    title: ClassVar[str | None] = None  # None: the HTTP status phrase

    def problem_detail(self) -> str:
        """The `detail` of the problem response."""
        return str(self)

    def problem_extra(self) -> dict[str, Any]:
        """Extra members of the problem response."""
        return {}

    def problem_headers(self) -> dict[str, str]:
        """Headers of the problem response."""
        return {}


class DomainError(Refusal):
    """A command the aggregate refuses."""

    status = 409
    code = "domain-error"


class InvalidTransitionError(DomainError):
    """The command is not allowed in the aggregate's current state (409)."""

    code = "invalid-transition"
    title = "Not allowed in the current state"

    def __init__(self, *, action: str, current_state: str, allowed_from: tuple[str, ...]) -> None:
        allowed = ", ".join(allowed_from) or "no state"
        super().__init__(f"cannot {action} while {current_state} (allowed from: {allowed})")
        self.action = action
        self.current_state = current_state
        self.allowed_from = allowed_from

    def problem_extra(self) -> dict[str, Any]:
        """The state it is in, and the states the command is allowed from."""
        return {"current_state": self.current_state, "allowed_from": list(self.allowed_from)}


class RuleViolationError(DomainError):
    """A business rule forbids the command given the aggregate's facts (409)."""

    code = "rule-violation"


class InvalidValueError(DomainError):
    """A value is well-formed but not acceptable for this aggregate (422)."""

    status = 422
    code = "invalid-value"


class NotFoundError(DomainError):
    """A part of the aggregate (milestone, risk, staff member) does not exist (404)."""

    status = 404
    code = "not-found"
