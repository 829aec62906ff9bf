"""What the domain refuses, and why. The API maps each kind to its HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """A command the aggregate refuses."""

    code: str = "domain-error"


class InvalidTransitionError(DomainError):
    """The command is not allowed in the aggregate's current state (409)."""

    code = "invalid-transition"

    def __init__(self, *, action: str, current_state: str, allowed_from: tuple[str, ...]) -> None:
        allowed = ", ".join(allowed_from) or "no state"
        super().__init__(f"cannot {action} while {current_state} (allowed from: {allowed})")
        self.action = action
        self.current_state = current_state
        self.allowed_from = allowed_from


class RuleViolationError(DomainError):
    """A business rule forbids the command given the aggregate's facts (409)."""

    code = "rule-violation"


class InvalidValueError(DomainError):
    """A value is well-formed but not acceptable for this aggregate (422)."""

    code = "invalid-value"


class NotFoundError(DomainError):
    """A part of the aggregate (milestone, risk, staff member) does not exist (404)."""

    code = "not-found"
