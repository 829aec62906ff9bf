"""A program's roll-up by hand: earned value summed over the members first and then divided
(never an average of the indices), health from the PMO's thresholds; the funding pool folded in
business order; allocations per membership; funds, overspent members and unfunded BAC."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from reporting_svc.domain.evm import Metrics
from reporting_svc.domain.health import Health, HealthThresholds, Rag
from reporting_svc.domain.program_rollup import (
    AllocationLeg,
    MemberSpend,
    PoolChange,
    allocations,
    funds,
    performance,
    pool_at,
)

D = Decimal
CENT, YEN = D("0.01"), D(1)
THRESHOLDS = HealthThresholds()  # green from 0.95, amber from 0.85
DAY = date(2026, 3, 31)


def metrics(*, bac: str | None, pv: str | None, ev: str | None, ac: str | None) -> Metrics:
    def d(value: str | None) -> Decimal | None:
        return None if value is None else D(value)

    return Metrics(
        as_of=DAY,
        bac=d(bac),
        pv=d(pv),
        ev=d(ev),
        ac=d(ac),
        percent_complete=D("0.00"),
        health=Health(None, None, None),
    )


def test_the_worked_check_sums_first_then_divides() -> None:
    p1 = metrics(bac="400.00", pv="200.00", ev="100.00", ac="150.00")  # SPI 0.5, CPI 0.6667
    p2 = metrics(bac="100.00", pv="50.00", ev="60.00", ac="40.00")  # SPI 1.2, CPI 1.5
    program = performance([p1, p2], thresholds=THRESHOLDS, money=CENT)
    totals = program.totals
    assert (totals.bac, totals.pv, totals.ev, totals.ac) == (
        D("500.00"),
        D("250.00"),
        D("160.00"),
        D("190.00"),
    )
    assert totals.spi == D("0.6400")  # 160 / 250, not (0.5 + 1.2) / 2 = 0.85 (amber)
    assert totals.cpi == D("0.8421")  # 160 / 190, not (0.6667 + 1.5) / 2
    assert (program.sv, program.cv) == (D("-90.00"), D("-30.00"))
    assert program.health == Health(Rag.RED, Rag.RED, Rag.RED)
    assert totals.project_count == 2


def test_health_rates_the_indices_of_the_sums_on_the_thresholds() -> None:
    on_plan = metrics(bac="1000", pv="100", ev="95", ac="100")  # SPI 0.95 green, CPI 0.95
    late = metrics(bac="1000", pv="100", ev="85", ac="80")  # SPI 0.85 amber, CPI 1.0625
    program = performance([on_plan, late], thresholds=THRESHOLDS, money=CENT)
    assert program.totals.spi == D("0.9000")  # 180 / 200: amber
    assert program.totals.cpi == D("1.0000")  # 180 / 180: green
    assert program.health == Health(Rag.AMBER, Rag.GREEN, Rag.AMBER)


def test_without_members_or_without_a_baseline_the_indices_are_undefined() -> None:
    empty = performance([], thresholds=THRESHOLDS, money=CENT)
    assert (empty.totals.bac, empty.totals.spi, empty.totals.cpi) == (D("0.00"), None, None)
    assert empty.health == Health(None, None, None)
    costs_only = performance(
        [metrics(bac=None, pv=None, ev=None, ac="300.00")], thresholds=THRESHOLDS, money=CENT
    )
    # A member without a baseline has no EV: its AC is shown apart, not divided into CPI.
    assert (costs_only.totals.ac, costs_only.totals.ev) == (D("0.00"), D("0.00"))
    assert costs_only.totals.unbaselined_ac == D("300.00")
    assert costs_only.totals.cpi is None
    assert costs_only.health == Health(None, None, None)


def test_money_is_rounded_once_to_the_currency_and_indices_to_four_places() -> None:
    yen = performance(
        [metrics(bac="1000", pv="300", ev="100", ac="700")], thresholds=THRESHOLDS, money=YEN
    )
    assert (yen.totals.pv, yen.sv) == (D("300"), D("-200"))
    assert yen.totals.spi == D("0.3333")


def test_the_pool_follows_business_dates_not_the_order_it_was_recorded_in() -> None:
    changes = [
        PoolChange(date(2026, 1, 10), 2, "set", D("1000")),
        PoolChange(date(2026, 1, 5), 3, "increase", D("500")),  # recorded later, dated earlier
        PoolChange(date(2026, 1, 20), 4, "decrease", D("200.50")),
        PoolChange(date(2026, 1, 20), 5, "increase", D("0.25")),
    ]
    assert pool_at(changes) == D("799.75")  # 500, then set to 1000, -200.50, +0.25
    assert pool_at(changes[:2]) == D("1000")
    assert pool_at([changes[1]]) == D("500")
    assert pool_at([]) == D(0)
    # Same day: stream order. Set then increase is not increase then set.
    same_day = date(2026, 2, 1)
    assert pool_at(
        [PoolChange(same_day, 7, "increase", D(5)), PoolChange(same_day, 6, "set", D(10))]
    ) == D(15)


def test_an_allocation_belongs_to_the_membership_it_was_made_in() -> None:
    p1, p2, gone = uuid4(), uuid4(), uuid4()
    legs = [
        AllocationLeg(p1, 3, D("300")),  # p1 joined at version 2 (then left, rejoined at 6)
        AllocationLeg(p2, 4, D("500")),
        AllocationLeg(p2, 5, D("-120")),  # a reallocation from p2 ...
        AllocationLeg(p1, 5, D("120")),  # ... to p1 (before p1 left)
        AllocationLeg(p1, 7, D("50")),  # after p1 rejoined
        AllocationLeg(gone, 3, D("999")),  # no longer a member
    ]
    assert allocations(legs, memberships={p1: 6, p2: 1}) == {p1: D("50"), p2: D("380")}
    assert allocations(legs, memberships={p1: 2, p2: 1}) == {p1: D("470"), p2: D("380")}
    assert allocations([], memberships={p1: 2}) == {p1: D(0)}


def test_funds_flag_overspent_members_and_count_unfunded_budget() -> None:
    p1, p2, p3 = uuid4(), uuid4(), uuid4()
    result = funds(
        pool=D("1000"),
        allocation={p1: D("300"), p2: D("500")},
        members=[
            MemberSpend(p1, bac=D("400.00"), ac=D("350.00")),  # AC beyond its allocation
            MemberSpend(p2, bac=D("450.00"), ac=D("100.00")),  # allocation covers BAC
            MemberSpend(p3, bac=None, ac=None),  # not known to reporting yet
        ],
        money=CENT,
    )
    assert (result.pool, result.allocated, result.unallocated) == (
        D("1000.00"),
        D("800.00"),
        D("200.00"),
    )
    assert (result.spent, result.unfunded, result.overspent_members) == (
        D("450.00"),
        D("100.00"),
        1,
    )
    first, second, third = result.members
    assert (first.allocation, first.overspent, first.unfunded) == (D("300.00"), True, D("100.00"))
    assert (second.overspent, second.unfunded) == (False, D("0.00"))
    assert (third.allocation, third.overspent, third.unfunded) == (D("0.00"), False, None)


def test_funds_compare_the_figures_as_shown() -> None:
    member = uuid4()
    # 100.004 shows as 100.00: an AC of 100.00 is not beyond it.
    result = funds(
        pool=D("100.004"),
        allocation={member: D("100.004")},
        members=[MemberSpend(member, bac=D("100.00"), ac=D("100.00"))],
        money=CENT,
    )
    assert (result.members[0].overspent, result.members[0].unfunded) == (False, D("0.00"))
    assert result.unallocated == D("0.00")
