"""Creating and changing portfolios through the bus: who may, one code per tenant, Idempotency-
Key, If-Match, business dates never in the future; and the list rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from pmo_shared.application.errors import (
    AggregateNotFoundError,
    ForbiddenError,
    StaleVersionError,
)
from portfolio_svc.application import commands as c
from portfolio_svc.application.errors import DuplicateCodeError, FutureDateError
from portfolio_svc.domain.errors import BackdatedFactError, InconsistentComparisonsError

from .portfolio_world import (
    OUTSIDER,
    PAUL,
    PIA,
    PROGRAM_MANAGER,
    TENANT,
    TODAY,
    VIEWER,
    World,
    create_command,
    created,
)


async def test_the_pmo_creates_a_portfolio_and_its_list_row(world: World) -> None:
    portfolio = await created(world)

    assert world.types(portfolio.id) == ["PortfolioCreated"]
    (row,) = world.rows.portfolios.values()
    assert (row.code, row.manager, row.currency, row.version) == ("STRAT", PIA.subject, "EUR", 1)
    assert row.tenant_id == TENANT


async def test_a_portfolio_manager_creates_only_portfolios_they_manage(world: World) -> None:
    mine = await world.create(create_command(code="MINE"), by=PIA)
    assert mine.result.manager == PIA.subject

    with pytest.raises(ForbiddenError):
        await world.create(create_command(code="THEIRS"), by=PAUL)


@pytest.mark.parametrize("who", [VIEWER, PROGRAM_MANAGER])
async def test_other_roles_may_not_create(world: World, who: object) -> None:
    with pytest.raises(ForbiddenError):
        await world.create(create_command(), by=who)  # type: ignore[arg-type]
    assert world.types() == []


async def test_a_code_is_unique_in_a_tenant_only(world: World) -> None:
    await created(world)

    with pytest.raises(DuplicateCodeError) as refused:
        await created(world)
    theirs = await world.create(create_command(), by=OUTSIDER)

    assert refused.value.status == 409
    assert theirs.result.code == "STRAT"
    assert len(world.types()) == 2


async def test_one_idempotency_key_creates_once(world: World) -> None:
    first = await world.create(create_command(), key="k-1")
    again = await world.create(create_command(), key="k-1")

    assert not first.replayed
    assert again.replayed
    assert again.result.id == first.result.id
    assert world.types() == ["PortfolioCreated"]


async def test_a_date_after_today_is_refused(world: World) -> None:
    with pytest.raises(FutureDateError) as refused:
        await created(world, created_on=TODAY + timedelta(days=1))
    portfolio = await created(world)
    with pytest.raises(FutureDateError):
        await world.run(
            c.SetBudget(
                portfolio_id=portfolio.id,
                amount=Decimal(1),
                effective_on=TODAY + timedelta(days=1),
            )
        )

    assert refused.value.status == 422
    assert "created_on 2026-06-16 is after today (2026-06-15)" in str(refused.value)


async def test_a_command_left_undated_takes_effect_today(world: World) -> None:
    portfolio = await created(world)

    changed = await world.run(c.SetBudget(portfolio_id=portfolio.id, amount=Decimal("800")))

    assert changed.budget.entries == [(TODAY, Decimal("800"))]


async def test_only_the_pmo_and_the_portfolios_manager_change_it(world: World) -> None:
    portfolio = await created(world)
    budget = c.SetBudget(portfolio_id=portfolio.id, amount=Decimal("10"))

    await world.run(budget, by=PIA)
    for who in (PAUL, VIEWER, PROGRAM_MANAGER):
        with pytest.raises(ForbiddenError):
            await world.run(budget, by=who)
    with pytest.raises(AggregateNotFoundError):
        await world.run(budget, by=OUTSIDER)

    assert world.types(portfolio.id) == ["PortfolioCreated", "BudgetSet"]


async def test_a_stale_expected_version_is_a_412(world: World) -> None:
    portfolio = await created(world)
    await world.run(c.SetBudget(portfolio_id=portfolio.id, amount=Decimal(5), expected_version=1))

    with pytest.raises(StaleVersionError) as refused:
        await world.run(
            c.SetBudget(portfolio_id=portfolio.id, amount=Decimal(6), expected_version=1)
        )

    assert refused.value.status == 412
    assert world.types(portfolio.id) == ["PortfolioCreated", "BudgetSet"]


async def test_ahp_weights_from_the_worked_matrix_and_a_refused_one(world: World) -> None:
    portfolio = await created(world)
    objectives = ("growth", "cost", "risk")

    weighed = await world.run(
        c.WeighObjectivesByAhp(
            portfolio_id=portfolio.id,
            objectives=objectives,
            matrix=(("1", "3", "5"), ("1/3", "1", "3"), ("1/5", "1/3", "1")),
        )
    )
    with pytest.raises(InconsistentComparisonsError) as refused:
        await world.run(
            c.WeighObjectivesByAhp(
                portfolio_id=portfolio.id,
                objectives=objectives,
                matrix=(("1", "9", "1/9"), ("1/9", "1", "9"), ("9", "1/9", "1")),
            )
        )

    weights = weighed.weights_at(TODAY)
    assert [round(weights[o], 3) for o in objectives] == [
        Decimal("0.637"),
        Decimal("0.258"),
        Decimal("0.105"),
    ]
    assert round(weighed.weighting.entries[0][1].cr or 0, 3) == Decimal("0.033")
    assert refused.value.status == 422
    assert "CR = " in str(refused.value)
    assert float(refused.value.problem_extra()["cr"]) > 0.10


async def test_a_fact_backdated_before_its_predecessor_is_refused(world: World) -> None:
    portfolio = await created(world)
    await world.run(
        c.WeighObjectives(
            portfolio_id=portfolio.id, weights={"growth": Decimal(1)}, effective_on=date(2026, 3, 1)
        )
    )

    with pytest.raises(BackdatedFactError):
        await world.run(
            c.WeighObjectives(
                portfolio_id=portfolio.id,
                weights={"growth": Decimal(1)},
                effective_on=date(2026, 2, 1),
            )
        )
