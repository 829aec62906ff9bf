"""What a program refuses, beyond the kernel's four kinds of refusal: each names its figures in
`problem_extra` (money as canonical strings of the program's currency, hours as plain decimals,
ids as strings), so a client can show why without parsing the detail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from pmo_shared.domain.errors import (
    DomainError,
    InvalidValueError,
    RuleViolationError,
)
from pmo_shared.domain.values import canonical
from program_svc.domain.values import hours_text

MAX_LISTED_WEEKS = 260
"""An overbooking lists at most this many weeks (five years; `overbooked_week_count` counts
them all), so a refusal of a decades-long assignment stays a readable answer."""


class SelfActivationError(DomainError):
    """The program's manager tried to activate their own program (403, segregation of duties:
    nobody approves what they manage)."""

    status = 403
    code = "forbidden"

    def __init__(self, *, program_code: str) -> None:
        super().__init__(
            f"the manager of program {program_code} may not activate it (segregation of "
            "duties: the PMO or its sponsor activates a program)"
        )


class AlreadyExistsError(RuleViolationError):
    """A member, resource, assignment, benefit or dependency of that id is already there (409)."""

    code = "already-exists"

    def __init__(self, what: str, part_id: UUID) -> None:
        super().__init__(f"{what} {part_id} already exists in this program")
        self.what = what
        self.part_id = part_id

    def problem_extra(self) -> dict[str, Any]:
        """What it is and its id."""
        return {"what": self.what, "id": str(self.part_id)}


class NotAMemberError(RuleViolationError):
    """Funds, assignments and dependencies are only for the program's member projects (409)."""

    code = "not-a-member"

    def __init__(self, project_id: UUID, *, action: str) -> None:
        super().__init__(f"cannot {action}: project {project_id} is not a member of the program")
        self.project_id = project_id

    def problem_extra(self) -> dict[str, Any]:
        """The project that is not a member."""
        return {"project_id": str(self.project_id)}


class CurrencyMismatchError(InvalidValueError):
    """A project in another currency than the program's cannot join it (422)."""

    code = "currency-mismatch"

    def __init__(self, *, project_id: UUID, project_currency: str, program_currency: str) -> None:
        super().__init__(
            f"project {project_id} is kept in {project_currency}, the program in "
            f"{program_currency}: a program's members share its one currency"
        )
        self.project_id = project_id
        self.project_currency = project_currency
        self.program_currency = program_currency

    def problem_extra(self) -> dict[str, Any]:
        """Both currencies."""
        return {
            "project_id": str(self.project_id),
            "project_currency": self.project_currency,
            "program_currency": self.program_currency,
        }


class OpenMembersError(RuleViolationError):
    """A program closes only when every member has ended or been removed (409)."""

    code = "open-members"

    def __init__(self, open_members: Sequence[tuple[UUID, str]]) -> None:
        listed = ", ".join(f"{pid} ({status})" for pid, status in open_members)
        super().__init__(
            "a program closes only when every member project is completed, cancelled or "
            f"closed, or has been removed; still open: {listed}"
        )
        self.open_members = tuple(open_members)

    def problem_extra(self) -> dict[str, Any]:
        """Each open member and its status (`unknown` when the caller knew none)."""
        return {
            "open_members": [
                {"project_id": str(pid), "status": status} for pid, status in self.open_members
            ]
        }


class FundingExceededError(RuleViolationError):
    """An allocation would take the allocations beyond the pool (409)."""

    code = "funding-exceeded"

    def __init__(
        self, *, pool: Decimal, allocated: Decimal, requested: Decimal, currency: str
    ) -> None:
        self.figures = {
            "pool": canonical(pool, currency),
            "allocated": canonical(allocated, currency),
            "available": canonical(pool - allocated, currency),
            "requested": canonical(requested, currency),
            "currency": currency,
        }
        f = self.figures
        super().__init__(
            f"allocating {f['requested']} {currency} would exceed the funding pool: "
            f"{f['allocated']} of {f['pool']} is allocated, {f['available']} is available"
        )

    def problem_extra(self) -> dict[str, Any]:
        """The pool, what is allocated and available, and the amount asked for."""
        return dict(self.figures)


class PoolBelowAllocatedError(RuleViolationError):
    """A pool set or decrease would leave less in the pool than is allocated (409)."""

    code = "pool-below-allocated"

    def __init__(
        self,
        *,
        pool: Decimal,
        allocated: Decimal,
        requested: Decimal,
        resulting_pool: Decimal,
        currency: str,
    ) -> None:
        self.figures = {
            "pool": canonical(pool, currency),
            "allocated": canonical(allocated, currency),
            "requested": canonical(requested, currency),
            "resulting_pool": canonical(resulting_pool, currency),
            "currency": currency,
        }
        f = self.figures
        super().__init__(
            f"the funding pool would be {f['resulting_pool']} {currency}, below the "
            f"{f['allocated']} already allocated"
        )

    def problem_extra(self) -> dict[str, Any]:
        """The pool now, what is allocated, the amount asked for and the pool it would leave."""
        return dict(self.figures)


class BelowActualCostError(RuleViolationError):
    """A reallocation would leave a member less than it has already spent (409)."""

    code = "below-actual-cost"

    def __init__(
        self,
        *,
        project_id: UUID,
        allocation: Decimal,
        actual_cost: Decimal,
        requested: Decimal,
        currency: str,
    ) -> None:
        self.project_id = project_id
        self.figures = {
            "allocation": canonical(allocation, currency),
            "actual_cost": canonical(actual_cost, currency),
            "requested": canonical(requested, currency),
            "resulting_allocation": canonical(allocation - requested, currency),
            "currency": currency,
        }
        f = self.figures
        super().__init__(
            f"moving {f['requested']} {currency} from project {project_id} would leave it "
            f"{f['resulting_allocation']}, below its actual cost so far of {f['actual_cost']}"
        )

    def problem_extra(self) -> dict[str, Any]:
        """The member's allocation and actual cost, the amount asked for and what it leaves."""
        return {"project_id": str(self.project_id), **self.figures}


@dataclass(frozen=True, slots=True)
class OverbookedWeek:
    """A week a resource would be booked beyond its capacity."""

    week: str
    booked_hours: Decimal
    over_by_hours: Decimal


class OverbookedError(RuleViolationError):
    """An assignment (or a change of its hours) would book a resource beyond its weekly
    capacity in one or more ISO weeks (409)."""

    code = "overbooked"

    def __init__(
        self, *, resource_id: UUID, capacity_hours: Decimal, weeks: Sequence[OverbookedWeek]
    ) -> None:
        shown = ", ".join(f"{w.week} by {hours_text(w.over_by_hours)} h" for w in weeks[:10])
        more = f" and {len(weeks) - 10} more" if len(weeks) > 10 else ""
        super().__init__(
            f"resource {resource_id} has {hours_text(capacity_hours)} h a week; this would "
            f"overbook it in {len(weeks)} week{'s' * (len(weeks) != 1)}: {shown}{more}"
        )
        self.resource_id = resource_id
        self.capacity_hours = capacity_hours
        self.weeks = tuple(weeks)

    def problem_extra(self) -> dict[str, Any]:
        """The capacity and each overbooked week: hours it would be booked, hours over."""
        return {
            "resource_id": str(self.resource_id),
            "capacity_hours": hours_text(self.capacity_hours),
            "overbooked": [
                {
                    "week": w.week,
                    "booked_hours": hours_text(w.booked_hours),
                    "over_by_hours": hours_text(w.over_by_hours),
                }
                for w in self.weeks[:MAX_LISTED_WEEKS]
            ],
            "overbooked_week_count": len(self.weeks),
        }


class DependencyCycleError(RuleViolationError):
    """A dependency would close a cycle: the members would wait for each other (409)."""

    code = "dependency-cycle"

    def __init__(self, cycle: Sequence[UUID]) -> None:
        super().__init__(
            "the dependency would make a cycle (each needs the next): "
            + " -> ".join(str(pid) for pid in cycle)
        )
        self.cycle = tuple(cycle)

    def problem_extra(self) -> dict[str, Any]:
        """The cycle: project ids in order, each needing the next, the first repeated last."""
        return {"cycle": [str(pid) for pid in self.cycle]}


class DuplicateDependencyError(RuleViolationError):
    """The same dependency is already recorded (409)."""

    code = "duplicate-dependency"

    def __init__(self, existing: UUID) -> None:
        super().__init__(f"the same dependency is already recorded as {existing}")
        self.existing = existing

    def problem_extra(self) -> dict[str, Any]:
        """The dependency that already says so."""
        return {"dependency_id": str(self.existing)}
