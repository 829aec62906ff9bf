"""The checks every command of a program shares: the state it may run in, its business date,
money, hours, weeks and members."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pmo_shared.domain.errors import InvalidTransitionError, InvalidValueError
from pmo_shared.domain.values import check_amount
from program_svc.domain.errors import NotAMemberError
from program_svc.domain.program_state import ProgramState
from program_svc.domain.values import ProgramStatus, is_iso_week

S = ProgramStatus
OPEN = (S.PROPOSED, S.ACTIVE, S.ON_HOLD)
"""The states a program takes commands in: a closed or cancelled one takes none."""

MAX_WEEKLY_HOURS = Decimal(168)
HOURS_PLACES = 2


class ProgramGuards(ProgramState):
    """A program's state with the checks its commands share."""

    def _require(self, action: str, allowed: tuple[ProgramStatus, ...] = OPEN) -> None:
        """Refuse (409) a command the current state does not allow."""
        if self.status not in allowed:
            raise InvalidTransitionError(
                action=action,
                current_state=self.status.value,
                allowed_from=tuple(s.value for s in allowed),
            )

    def _dated(self, on: date, what: str) -> None:
        """No fact of a program is dated before it was proposed (422)."""
        if self.proposed_on is not None and on < self.proposed_on:
            raise InvalidValueError(
                f"{what} {on} is before the program was proposed on {self.proposed_on}"
            )

    def _lifecycle_date(self, on: date, what: str) -> None:
        """A lifecycle change is not dated before the change it follows (422)."""
        if self.status_since is not None and on < self.status_since:
            raise InvalidValueError(
                f"{what} {on} is before {self.status_since}, when the program became "
                f"{self.status.value}"
            )

    def _amount(self, amount: Decimal, what: str) -> Decimal:
        """A positive amount at the currency's minor unit (more decimals: 422)."""
        amount = check_amount(amount, self.currency, what=what)
        if amount <= 0:
            raise InvalidValueError(f"{what} must be positive, not {amount}")
        return amount

    def _member(self, project_id: UUID, action: str) -> None:
        """Refuse (409) a command about a project that is not a member."""
        if project_id not in self._members:
            raise NotAMemberError(project_id, action=action)


def hours(value: Decimal, what: str) -> Decimal:
    """Hours per week: positive, at most 168, at most two decimal places (else 422)."""
    if not value.is_finite() or not Decimal(0) < value <= MAX_WEEKLY_HOURS:
        raise InvalidValueError(f"{what} must be more than 0 and at most 168, not {value}")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > HOURS_PLACES:
        raise InvalidValueError(f"{what} {value} has more than {HOURS_PLACES} decimal places")
    return value


def week(value: str, what: str) -> str:
    """An ISO week, `YYYY-Www`, that exists (2026-W53 does, 2027-W53 does not; else 422)."""
    if not is_iso_week(value):
        raise InvalidValueError(f"{what} {value!r} is not an ISO week (YYYY-Www) that exists")
    return value


def required_text(value: str | None, what: str) -> str:
    """A text that may not be blank (422)."""
    if value is None or not value.strip():
        raise InvalidValueError(f"{what} may not be blank")
    return value
