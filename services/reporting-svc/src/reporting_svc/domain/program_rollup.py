"""A program's roll-up over its member projects at a status date (docs/design.md §4): earned
value summed first and then divided, never averaged; and its funds: the shared pool, what is
allocated to each member, what the members spent.

Money is exact and rounded once, half-even, to `money`, the smallest unit of the program's
currency (`pmo_shared.domain.values.money_quantum`). The comparisons (overspent, unfunded) are
made on the figures as shown, so a response never contradicts itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from reporting_svc.domain.evm import Metrics
from reporting_svc.domain.exact import ZERO, computed, exact, rounded
from reporting_svc.domain.health import Health, HealthThresholds
from reporting_svc.domain.rollup import Rollup, rollup


@dataclass(frozen=True, slots=True)
class ProgramPerformance:
    """Earned value over the members: the sums, SV and CV from them, SPI = ΣEV/ΣPV and
    CPI = ΣEV/ΣAC, and the health those indices rate on the PMO's thresholds."""

    totals: Rollup
    sv: Decimal | None
    cv: Decimal | None
    health: Health


def _difference(first: Decimal | None, second: Decimal | None, money: Decimal) -> Decimal | None:
    if first is None or second is None:
        return None
    return rounded(first - second, money)


@exact
def performance(
    members: Iterable[Metrics], *, thresholds: HealthThresholds, money: Decimal
) -> ProgramPerformance:
    """The program's earned value from its members' metrics (one currency): BAC, PV, EV, AC
    summed as shown (`rollup`), then the indices from the sums; health as a project's."""
    totals = rollup(members, money=money)
    return ProgramPerformance(
        totals=totals,
        sv=_difference(totals.ev, totals.pv, money),
        cv=_difference(totals.ev, totals.ac, money),
        health=thresholds.rate(totals.spi, totals.cpi),
    )


@dataclass(frozen=True, slots=True)
class PoolChange:
    """A change of the funding pool: `set` to an amount, `increase` or `decrease` by one."""

    effective_on: date
    version: int
    kind: str
    amount: Decimal


@exact
def pool_at(changes: Iterable[PoolChange]) -> Decimal:
    """The pool after the changes given (those in effect at the status date), in business
    order: by the day each took effect, in stream order within a day; 0 before any."""
    pool = ZERO
    for change in sorted(changes, key=lambda c: (c.effective_on, c.version)):
        if change.kind == "set":
            pool = change.amount
        elif change.kind == "increase":
            pool += change.amount
        elif change.kind == "decrease":
            pool -= change.amount
    return pool


@dataclass(frozen=True, slots=True)
class AllocationLeg:
    """An amount put on (positive) or taken off (negative) one member's allocation."""

    project_id: UUID
    version: int
    amount: Decimal


@exact
def allocations(
    legs: Iterable[AllocationLeg], *, memberships: Mapping[UUID, int]
) -> dict[UUID, Decimal]:
    """Each member's allocation: the legs recorded during its current membership (after the
    version that made it a member, `memberships[project_id]`). A member's allocation ends
    with its membership, so a project that left and joined again starts from nothing."""
    allocated = dict.fromkeys(memberships, ZERO)
    for leg in legs:
        joined = memberships.get(leg.project_id)
        if joined is not None and leg.version > joined:
            allocated[leg.project_id] += leg.amount
    return allocated


@dataclass(frozen=True, slots=True)
class MemberSpend:
    """What a member plans and spent, in the program's currency (None: not known, or the
    member keeps another currency)."""

    project_id: UUID
    bac: Decimal | None
    ac: Decimal | None


@dataclass(frozen=True, slots=True)
class MemberFunding:
    """A member's allocation against its spend: `overspent` when AC exceeds the allocation
    (a flag, not a refusal: costs arrive later from project-svc); `unfunded` is the part of
    its BAC no allocation covers (0 when covered, None without a BAC)."""

    project_id: UUID
    allocation: Decimal | None
    ac: Decimal | None
    overspent: bool
    unfunded: Decimal | None


@dataclass(frozen=True, slots=True)
class Funds:
    """The pool, how much of it is allocated and unallocated, what the members spent (Σ AC)
    and the members' BAC no allocation covers (Σ unfunded); per member too."""

    pool: Decimal | None
    allocated: Decimal | None
    unallocated: Decimal | None
    spent: Decimal | None
    unfunded: Decimal | None
    overspent_members: int
    members: tuple[MemberFunding, ...]


def _member_funding(spend: MemberSpend, allocation: Decimal, money: Decimal) -> MemberFunding:
    shown = rounded(allocation, money)
    overspent = spend.ac is not None and shown is not None and spend.ac > shown
    unfunded = None
    if spend.bac is not None and shown is not None:
        unfunded = rounded(max(spend.bac - shown, ZERO), money)
    return MemberFunding(spend.project_id, shown, spend.ac, overspent, unfunded)


def _sum(values: Iterable[Decimal | None], money: Decimal) -> Decimal | None:
    known = [v for v in values if v is not None]
    return rounded(computed(lambda: sum(known, ZERO)), money)


@exact
def funds(
    *,
    pool: Decimal,
    allocation: Mapping[UUID, Decimal],
    members: Sequence[MemberSpend],
    money: Decimal,
) -> Funds:
    """The program's funds at the status date, rounded to `money`: allocated = Σ the members'
    allocations, unallocated = pool - allocated, spent = Σ the members' AC."""
    funding = tuple(_member_funding(m, allocation.get(m.project_id, ZERO), money) for m in members)
    allocated = _sum((f.allocation for f in funding), money)
    shown_pool = rounded(pool, money)
    unallocated = None
    if shown_pool is not None and allocated is not None:
        unallocated = rounded(shown_pool - allocated, money)
    return Funds(
        pool=shown_pool,
        allocated=allocated,
        unallocated=unallocated,
        spent=_sum((f.ac for f in funding), money),
        unfunded=_sum((f.unfunded for f in funding), money),
        overspent_members=sum(f.overspent for f in funding),
        members=funding,
    )
