"""Components through the bus: what portfolio-svc knows of programs and projects (from their
services' events) and the PMO's standards decide whether one may join, at what cost; a
component belongs to one portfolio at most and is counted once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from pmo_shared.application.errors import ForbiddenError
from portfolio_svc.application import commands as c
from portfolio_svc.application.errors import (
    ComponentInAnotherPortfolioError,
    CostKnownError,
    CostUnknownError,
    CountedThroughProgramError,
    EndedReferenceError,
    FutureDateError,
    MemberIsComponentError,
    NotLargeProjectError,
    UnknownReferenceError,
)
from portfolio_svc.domain.errors import (
    ComponentExistsError,
    PortfolioCurrencyMismatchError,
    UnknownComponentError,
)
from portfolio_svc.domain.portfolio import Portfolio

from .portfolio_world import (
    OTHER_TENANT,
    PAUL,
    PMO,
    TENANT,
    TODAY,
    World,
    created,
    standards,
)


def add(portfolio: Portfolio, component_id: UUID, kind: str = "project", **more: Any) -> Any:
    return c.AddComponent(portfolio_id=portfolio.id, component_id=component_id, kind=kind, **more)


async def test_a_known_large_project_joins_at_its_bac(world: World) -> None:
    portfolio = await created(world)
    project_id = world.know_project(bac="2000000")

    joined = await world.run(
        add(portfolio, project_id, demand={"dev": Decimal(3)}, risk_score=Decimal("0.2"))
    )

    facts = joined.components[project_id]
    assert (facts.kind, facts.added_on, facts.risk_score) == ("project", TODAY, Decimal("0.2"))
    assert facts.cost.entries[0][1].amount == Decimal("2000000")
    assert not facts.cost.entries[0][1].is_estimate
    assert dict(facts.demand) == {"dev": Decimal(3)}
    assert world.rows.components == {(TENANT, project_id): portfolio.id}


async def test_a_program_joins_at_its_funding_pool(world: World) -> None:
    portfolio = await created(world)
    program_id = world.know_program(pool="750000")

    joined = await world.run(add(portfolio, program_id, "program"))

    assert joined.components[program_id].cost.entries[0][1].amount == Decimal("750000")


@pytest.mark.parametrize("kind", ["program", "project"])
async def test_an_unknown_or_another_tenants_component_is_a_422(world: World, kind: str) -> None:
    portfolio = await created(world)
    if kind == "program":
        theirs = world.know_program(tenant=OTHER_TENANT)
    else:
        theirs = world.know_project(tenant=OTHER_TENANT)

    for component_id in (uuid4(), theirs):
        with pytest.raises(UnknownReferenceError) as refused:
            await world.run(add(portfolio, component_id, kind))
        assert refused.value.status == 422
        assert f"unknown {kind} {component_id}" in str(refused.value)


async def test_a_component_in_another_currency_is_a_422(world: World) -> None:
    portfolio = await created(world)
    yen = world.know_program(currency="JPY")

    with pytest.raises(PortfolioCurrencyMismatchError) as refused:
        await world.run(add(portfolio, yen, "program"))

    assert refused.value.status == 422
    assert world.rows.components == {}


@pytest.mark.parametrize("kind", ["program", "project"])
async def test_an_ended_component_is_refused(world: World, kind: str) -> None:
    portfolio = await created(world)
    if kind == "program":
        ended = world.know_program(status="closed")
    else:
        ended = world.know_project(status="completed")

    with pytest.raises(EndedReferenceError) as refused:
        await world.run(add(portfolio, ended, kind))

    assert refused.value.status == 409


async def test_without_a_known_cost_an_estimate_is_required(world: World) -> None:
    portfolio = await created(world)
    program_id = world.know_program(pool=None)
    project_id = world.know_project(bac=None, flagged_large=True)

    with pytest.raises(CostUnknownError) as refused:
        await world.run(add(portfolio, program_id, "program"))
    joined = await world.run(add(portfolio, project_id, estimate=Decimal("300000")))

    assert refused.value.status == 422
    assert "give an `estimate`" in str(refused.value)
    cost = joined.components[project_id].cost.entries[0][1]
    assert (cost.amount, cost.is_estimate) == (Decimal("300000"), True)


async def test_an_estimate_for_a_known_cost_is_refused(world: World) -> None:
    portfolio = await created(world)
    program_id = world.know_program(pool="100")

    with pytest.raises(CostKnownError) as refused:
        await world.run(add(portfolio, program_id, "program", estimate=Decimal(90)))

    assert refused.value.status == 422
    assert refused.value.problem_extra()["known_cost"] == "100"


async def test_a_project_under_the_default_threshold_is_not_large(world: World) -> None:
    portfolio = await created(world)
    small = world.know_project(bac="999999.99")
    baseless = world.know_project(bac=None)
    flagged = world.know_project(bac="10", flagged_large=True)
    at_threshold = world.know_project(bac="1000000")

    for project_id in (small, baseless):
        with pytest.raises(NotLargeProjectError) as refused:
            await world.run(add(portfolio, project_id, estimate=None))
        assert refused.value.status == 422
    await world.run(add(portfolio, flagged))
    joined = await world.run(add(portfolio, at_threshold))

    assert set(joined.components) == {flagged, at_threshold}
    assert "the large-project threshold is 1000000 EUR" in str(refused.value)


async def test_the_standards_in_force_on_the_date_set_the_threshold(world: World) -> None:
    portfolio = await created(world)
    await world.run(c.SetPmoStandards(standards=standards(), effective_on=date(2026, 3, 1)))
    project_id = world.know_project(bac="200000")

    with pytest.raises(NotLargeProjectError):  # before the standards: the default threshold
        await world.run(add(portfolio, project_id, effective_on=date(2026, 2, 28)))
    joined = await world.run(add(portfolio, project_id, effective_on=date(2026, 3, 1)))

    assert project_id in joined.components


async def test_standards_without_the_currency_leave_only_the_flag(world: World) -> None:
    portfolio = await created(world, currency="CHF")
    await world.run(c.SetPmoStandards(standards=standards(), effective_on=date(2026, 3, 1)))
    huge = world.know_project(bac="900000000", currency="CHF")
    flagged = world.know_project(bac="1", currency="CHF", flagged_large=True)

    with pytest.raises(NotLargeProjectError) as refused:
        await world.run(add(portfolio, huge))
    joined = await world.run(add(portfolio, flagged))

    assert "the PMO standards set no large-project threshold in CHF" in str(refused.value)
    assert set(joined.components) == {flagged}


async def test_a_component_of_another_portfolio_is_a_409_naming_it(world: World) -> None:
    holder, other = await created(world), await created(world, code="OTHER")
    project_id = world.know_project()
    await world.run(add(holder, project_id))

    with pytest.raises(ComponentInAnotherPortfolioError) as refused:
        await world.run(add(other, project_id))

    assert refused.value.status == 409
    assert refused.value.problem_extra() == {
        "component_id": str(project_id),
        "portfolio_id": str(holder.id),
    }
    assert world.types(other.id) == ["PortfolioCreated"]


async def test_a_removed_component_is_free_for_another_portfolio(world: World) -> None:
    first, second = await created(world), await created(world, code="OTHER")
    project_id = world.know_project()
    await world.run(add(first, project_id))

    await world.run(
        c.RemoveComponent(portfolio_id=first.id, component_id=project_id, reason="moved")
    )
    with pytest.raises(ComponentExistsError):  # it was in the first: never again there
        await world.run(add(first, project_id))
    joined = await world.run(add(second, project_id))

    assert project_id in joined.components
    assert world.rows.components == {(TENANT, project_id): second.id}


async def test_a_member_of_a_program_in_the_portfolio_is_counted_through_it(
    world: World,
) -> None:
    portfolio = await created(world)
    project_id = world.know_project()
    program_id = world.know_program(members=frozenset({project_id}))
    await world.run(add(portfolio, program_id, "program"))

    with pytest.raises(CountedThroughProgramError) as refused:
        await world.run(add(portfolio, project_id))

    assert refused.value.status == 409
    assert refused.value.problem_extra() == {
        "project_id": str(project_id),
        "program_id": str(program_id),
    }


async def test_a_program_whose_member_is_a_component_is_refused_naming_it(
    world: World,
) -> None:
    portfolio = await created(world)
    project_id, other = world.know_project(), world.know_project()
    program_id = world.know_program(members=frozenset({project_id, other}))
    await world.run(add(portfolio, project_id))

    with pytest.raises(MemberIsComponentError) as refused:
        await world.run(add(portfolio, program_id, "program"))

    assert refused.value.status == 409
    assert refused.value.problem_extra()["project_ids"] == [str(project_id)]
    await world.run(
        c.RemoveComponent(portfolio_id=portfolio.id, component_id=project_id, reason="via program")
    )
    joined = await world.run(add(portfolio, program_id, "program"))
    assert program_id in joined.components


async def test_the_cost_follows_what_is_known_now_or_a_new_estimate(world: World) -> None:
    portfolio = await created(world)
    project_id = world.know_project(bac=None, flagged_large=True)
    await world.run(
        add(portfolio, project_id, estimate=Decimal(300), effective_on=date(2026, 2, 1))
    )

    await world.run(
        c.ChangeComponentCost(
            portfolio_id=portfolio.id,
            component_id=project_id,
            estimate=Decimal(350),
            effective_on=date(2026, 3, 1),
        )
    )
    world.know_project(project_id=project_id, bac="420", flagged_large=True)
    with pytest.raises(CostKnownError):
        await world.run(
            c.ChangeComponentCost(
                portfolio_id=portfolio.id, component_id=project_id, estimate=Decimal(1)
            )
        )
    baselined = await world.run(
        c.ChangeComponentCost(portfolio_id=portfolio.id, component_id=project_id)
    )

    costs = baselined.components[project_id].cost.entries
    assert [(on, cost.amount, cost.is_estimate) for on, cost in costs] == [
        (date(2026, 2, 1), Decimal(300), True),
        (date(2026, 3, 1), Decimal(350), True),
        (TODAY, Decimal(420), False),
    ]
    with pytest.raises(UnknownComponentError):
        await world.run(c.ChangeComponentCost(portfolio_id=portfolio.id, component_id=uuid4()))


async def test_a_decision_on_a_program_covers_its_members(world: World) -> None:
    portfolio = await created(world)
    members = frozenset({uuid4(), uuid4()})
    program_id = world.know_program(members=members)
    project_id = world.know_project()
    await world.run(add(portfolio, program_id, "program", effective_on=date(2026, 4, 1)))
    await world.run(add(portfolio, project_id, effective_on=date(2026, 4, 1)))

    for component_id in (program_id, project_id):
        await world.run(
            c.DecideOnComponent(
                portfolio_id=portfolio.id,
                component_id=component_id,
                decision="approve",
                rationale="strategic",
                decided_on=date(2026, 5, 1),
            )
        )

    decided = [e for e in world.events(portfolio.id) if e.event_type == "DecisionRecorded"]
    assert sorted(decided[0].payload["covers"]) == sorted(str(m) for m in members)
    assert decided[1].payload["covers"] == []
    assert decided[0].payload["decided_on"] == "2026-05-01"
    with pytest.raises(FutureDateError):
        await world.run(
            c.DecideOnComponent(
                portfolio_id=portfolio.id,
                component_id=project_id,
                decision="defer",
                rationale="later",
                decided_on=TODAY + timedelta(days=1),
            )
        )


async def test_only_the_manager_or_the_pmo_adds_components(world: World) -> None:
    portfolio = await created(world)
    project_id = world.know_project()

    with pytest.raises(ForbiddenError):
        await world.run(add(portfolio, project_id), by=PAUL)
    await world.run(add(portfolio, project_id), by=PMO)
