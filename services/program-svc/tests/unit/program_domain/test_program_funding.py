"""The funding pool: Σ allocations ≤ pool; a set or decrease never takes the pool below what is
allocated; a reallocation never leaves a member below its actual cost. Exact money at the
currency's minor unit; each refusal carries its figures as canonical money strings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pmo_shared.domain.errors import InvalidValueError
from pmo_shared.domain.values import AmountPrecisionError
from program_svc.domain import events as ev
from program_svc.domain.errors import (
    BelowActualCostError,
    FundingExceededError,
    NotAMemberError,
    PoolBelowAllocatedError,
)

from .given import (
    ACTIVE,
    ON,
    OUTSIDER,
    WITH_MEMBERS,
    A,
    B,
    D,
    allocated,
    given,
    member,
    pool,
    proposed,
    recorded,
)

FUNDED = (*WITH_MEMBERS, pool("1000"), allocated(A, "600"), allocated(B, "300"))


def test_the_pool_is_set_increased_and_decreased_with_reasons() -> None:
    program = given(*ACTIVE)
    program.set_pool(D("1000"), reason="annual budget", on=ON)
    program.increase_pool(D("250.5"), reason="grant", on=ON)
    program.decrease_pool(D("50"), reason="cut", on=ON)
    assert recorded(program) == [
        {
            "type": "FundingPoolSet",
            "amount": D("1000.00"),
            "reason": "annual budget",
            "effective_on": ON,
        },
        {
            "type": "FundingPoolIncreased",
            "amount": D("250.50"),
            "reason": "grant",
            "effective_on": ON,
        },
        {"type": "FundingPoolDecreased", "amount": D("50.00"), "reason": "cut", "effective_on": ON},
    ]
    assert program.pool == D("1200.50")
    assert str(program.pool) == "1200.50"


def test_funds_are_allocated_to_members_and_add_up() -> None:
    program = given(*WITH_MEMBERS, pool("1000"))
    program.allocate(A, D("600"), on=ON)
    program.allocate(A, D("100"), on=ON)
    program.allocate(B, D("300"), on=ON)
    assert program.allocations == {A: D(700), B: D(300)}
    assert (program.allocated, program.available) == (D(1000), D(0))


def test_an_allocation_beyond_the_pool_is_refused_with_the_figures() -> None:
    program = given(*FUNDED)
    with pytest.raises(FundingExceededError) as refused:
        program.allocate(B, D("200"), on=ON)
    assert refused.value.status == 409
    assert refused.value.problem_extra() == {
        "pool": "1000.00",
        "allocated": "900.00",
        "available": "100.00",
        "requested": "200.00",
        "currency": "EUR",
    }
    assert "100.00 is available" in refused.value.problem_detail()
    assert program.pending == []


def test_the_last_unit_of_the_pool_can_be_allocated() -> None:
    program = given(*FUNDED)
    program.allocate(B, D("100"), on=ON)
    assert program.available == 0


def test_funds_go_only_to_members() -> None:
    program = given(*FUNDED)
    with pytest.raises(NotAMemberError) as refused:
        program.allocate(OUTSIDER, D("10"), on=ON)
    assert refused.value.status == 409
    assert refused.value.problem_extra() == {"project_id": str(OUTSIDER)}


def test_a_decrease_never_takes_the_pool_below_what_is_allocated() -> None:
    program = given(*FUNDED)
    with pytest.raises(PoolBelowAllocatedError) as refused:
        program.decrease_pool(D("100.01"), reason="cut", on=ON)
    assert refused.value.status == 409
    assert refused.value.problem_extra() == {
        "pool": "1000.00",
        "allocated": "900.00",
        "requested": "100.01",
        "resulting_pool": "899.99",
        "currency": "EUR",
    }
    program.decrease_pool(D("100"), reason="cut", on=ON)
    assert program.pool == program.allocated == D(900)


def test_a_set_never_takes_the_pool_below_what_is_allocated() -> None:
    program = given(*FUNDED)
    with pytest.raises(PoolBelowAllocatedError) as refused:
        program.set_pool(D("899"), on=ON)
    assert refused.value.problem_extra()["resulting_pool"] == "899.00"
    program.set_pool(D("900"), on=ON)
    assert program.pool == D(900)


def test_a_pool_without_allocations_may_be_set_to_zero() -> None:
    program = given(*ACTIVE, pool("500"))
    program.set_pool(D(0), on=ON)
    assert program.pool == 0


def test_a_reallocation_moves_funds_between_two_members_in_one_event() -> None:
    program = given(*FUNDED)
    program.reallocate(A, B, D("150"), actual_cost=D("450"), reason="B is behind", on=ON)
    assert recorded(program) == [
        {
            "type": "FundsReallocated",
            "from_project_id": A,
            "to_project_id": B,
            "amount": D("150.00"),
            "reason": "B is behind",
            "effective_on": ON,
        }
    ]
    assert program.allocations == {A: D(450), B: D(450)}
    assert program.allocated == D(900)


def test_a_reallocation_never_takes_a_member_below_its_actual_cost() -> None:
    program = given(*FUNDED)
    with pytest.raises(BelowActualCostError) as refused:
        program.reallocate(A, B, D("150.01"), actual_cost=D("450"), on=ON)
    assert refused.value.status == 409
    assert refused.value.problem_extra() == {
        "project_id": str(A),
        "allocation": "600.00",
        "actual_cost": "450.00",
        "requested": "150.01",
        "resulting_allocation": "449.99",
        "currency": "EUR",
    }
    assert program.pending == []


def test_a_reallocation_never_takes_more_than_the_allocation() -> None:
    program = given(*FUNDED)
    with pytest.raises(BelowActualCostError) as refused:
        program.reallocate(B, A, D("300.01"), actual_cost=D(0), on=ON)
    assert refused.value.problem_extra()["resulting_allocation"] == "-0.01"


def test_a_member_without_an_allocation_has_nothing_to_move() -> None:
    program = given(*WITH_MEMBERS, pool("1000"))
    with pytest.raises(BelowActualCostError):
        program.reallocate(A, B, D("1"), actual_cost=D(0), on=ON)


@pytest.mark.parametrize(("source", "target"), [(A, OUTSIDER), (OUTSIDER, A)], ids=["to", "from"])
def test_a_reallocation_is_between_members(source: object, target: object) -> None:
    program = given(*FUNDED)
    with pytest.raises(NotAMemberError):
        program.reallocate(source, target, D("1"), actual_cost=D(0), on=ON)  # type: ignore[arg-type]


def test_a_reallocation_is_between_two_different_members() -> None:
    program = given(*FUNDED)
    with pytest.raises(InvalidValueError, match="different"):
        program.reallocate(A, A, D("1"), actual_cost=D(0), on=ON)


def test_a_negative_actual_cost_is_refused() -> None:
    program = given(*FUNDED)
    with pytest.raises(InvalidValueError, match="actual cost"):
        program.reallocate(A, B, D("1"), actual_cost=D("-1"), on=ON)


@pytest.mark.parametrize(
    ("currency", "amount"), [("EUR", "10.001"), ("JPY", "10.5"), ("BHD", "1.0001")]
)
def test_amounts_have_at_most_the_currencys_minor_unit(currency: str, amount: str) -> None:
    program = given(proposed(currency=currency), member(A))
    commands: list[Callable[[], None]] = [
        lambda: program.set_pool(D(amount), on=ON),
        lambda: program.increase_pool(D(amount), reason="r", on=ON),
        lambda: program.decrease_pool(D(amount), reason="r", on=ON),
        lambda: program.allocate(A, D(amount), on=ON),
    ]
    for command in commands:
        with pytest.raises(AmountPrecisionError) as refused:
            command()
        assert refused.value.status == 422
        assert refused.value.problem_extra()["currency"] == currency
    assert program.pending == []


def test_a_jpy_program_keeps_whole_yen() -> None:
    program = given(proposed(currency="JPY"), member(A), member(B))
    program.set_pool(D("1000000.00"), on=ON)
    program.allocate(A, D("999999"), on=ON)
    with pytest.raises(FundingExceededError) as refused:
        program.allocate(B, D("2"), on=ON)
    assert refused.value.problem_extra()["available"] == "1"
    assert str(program.pool) == "1000000"


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_increases_decreases_and_allocations_are_positive(amount: str) -> None:
    program = given(*FUNDED)
    commands: list[Callable[[], None]] = [
        lambda: program.increase_pool(D(amount), reason="r", on=ON),
        lambda: program.decrease_pool(D(amount), reason="r", on=ON),
        lambda: program.allocate(A, D(amount), on=ON),
        lambda: program.reallocate(A, B, D(amount), actual_cost=D(0), on=ON),
    ]
    for command in commands:
        with pytest.raises(InvalidValueError, match="positive"):
            command()


def test_a_negative_pool_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="negative"):
        given(*ACTIVE).set_pool(D("-1"), on=ON)


@pytest.mark.parametrize("blank", ["", " "])
def test_a_pool_change_says_why(blank: str) -> None:
    program = given(*FUNDED)
    with pytest.raises(InvalidValueError, match="reason"):
        program.increase_pool(D(1), reason=blank, on=ON)
    with pytest.raises(InvalidValueError, match="reason"):
        program.decrease_pool(D(1), reason=blank, on=ON)


def test_money_stays_exact() -> None:
    program = given(*WITH_MEMBERS, pool("0.30"))
    for _ in range(3):
        program.allocate(A, D("0.10"), on=ON)
    assert program.allocated == program.pool == D("0.30")
    assert program.available == 0


def test_the_pool_increase_and_decrease_fold() -> None:
    program = given(
        *ACTIVE,
        ev.FundingPoolIncreased(amount=D("10.00"), reason="r", effective_on=ON),
        ev.FundingPoolDecreased(amount=D("2.50"), reason="r", effective_on=ON),
    )
    assert program.pool == D("7.50")
