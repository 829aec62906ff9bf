"""The shared funding pool: set, grown and shrunk with a reason, allocated to members and moved
between them. The allocations never add up to more than the pool, and a move never leaves a
member less than it has already spent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pmo_shared.domain.errors import InvalidValueError
from pmo_shared.domain.values import check_amount
from program_svc.domain import events as ev
from program_svc.domain.errors import (
    BelowActualCostError,
    FundingExceededError,
    PoolBelowAllocatedError,
)
from program_svc.domain.guards import ProgramGuards, required_text


class FundingCommands(ProgramGuards):
    """The commands of the funding pool."""

    def set_pool(self, amount: Decimal, *, reason: str = "", on: date) -> None:
        """Set the pool to `amount` (zero or more), never below what is allocated."""
        self._require("set the funding pool")
        self._dated(on, "pool date")
        amount = check_amount(amount, self.currency, what="pool")
        if amount < 0:
            raise InvalidValueError(f"the pool cannot be negative, not {amount}")
        self._not_below_allocated(amount, requested=amount)
        self.record(ev.FundingPoolSet(amount=amount, reason=reason, effective_on=on))

    def increase_pool(self, amount: Decimal, *, reason: str, on: date) -> None:
        """Grow the pool by a positive amount, saying why."""
        self._require("increase the funding pool")
        self._dated(on, "pool date")
        amount = self._amount(amount, "increase")
        required_text(reason, "the reason of a pool increase")
        self.record(ev.FundingPoolIncreased(amount=amount, reason=reason, effective_on=on))

    def decrease_pool(self, amount: Decimal, *, reason: str, on: date) -> None:
        """Shrink the pool by a positive amount, saying why, never below what is allocated."""
        self._require("decrease the funding pool")
        self._dated(on, "pool date")
        amount = self._amount(amount, "decrease")
        required_text(reason, "the reason of a pool decrease")
        self._not_below_allocated(self.pool - amount, requested=amount)
        self.record(ev.FundingPoolDecreased(amount=amount, reason=reason, effective_on=on))

    def allocate(self, project_id: UUID, amount: Decimal, *, on: date) -> None:
        """Allocate funds of the pool to a member (its allocation grows by `amount`)."""
        self._require("allocate funds")
        self._dated(on, "allocation date")
        self._member(project_id, "allocate funds")
        amount = self._amount(amount, "allocation")
        if self.allocated + amount > self.pool:
            raise FundingExceededError(
                pool=self.pool, allocated=self.allocated, requested=amount, currency=self.currency
            )
        self.record(ev.FundsAllocated(project_id=project_id, amount=amount, effective_on=on))

    def reallocate(
        self,
        from_project_id: UUID,
        to_project_id: UUID,
        amount: Decimal,
        *,
        actual_cost: Decimal,
        reason: str = "",
        on: date,
    ) -> None:
        """Move funds from one member's allocation to another's in one step, never leaving
        the first less than its `actual_cost` so far (the caller's figure)."""
        self._require("reallocate funds")
        self._dated(on, "reallocation date")
        self._member(from_project_id, "reallocate funds")
        self._member(to_project_id, "reallocate funds")
        if from_project_id == to_project_id:
            raise InvalidValueError("a reallocation moves funds between two different members")
        amount = self._amount(amount, "reallocation")
        if not actual_cost.is_finite() or actual_cost < 0:
            raise InvalidValueError(f"actual cost must be zero or more, not {actual_cost}")
        allocation = self._allocations.get(from_project_id, Decimal(0))
        if allocation - amount < actual_cost:
            raise BelowActualCostError(
                project_id=from_project_id,
                allocation=allocation,
                actual_cost=actual_cost,
                requested=amount,
                currency=self.currency,
            )
        self.record(
            ev.FundsReallocated(
                from_project_id=from_project_id,
                to_project_id=to_project_id,
                amount=amount,
                reason=reason,
                effective_on=on,
            )
        )

    def _not_below_allocated(self, resulting_pool: Decimal, *, requested: Decimal) -> None:
        if resulting_pool < self.allocated:
            raise PoolBelowAllocatedError(
                pool=self.pool,
                allocated=self.allocated,
                requested=requested,
                resulting_pool=resulting_pool,
                currency=self.currency,
            )
