"""The reads of a portfolio through the bus, on both time axes: the worked selection (costs A
400, B 300, C 200, D 250, E 150; values 0.80, 0.55, 0.50, 0.45, 0.20; budget 800; A out; D
needs E -> B, C, E, value 1.25, cost 650), the ranking, a scenario against the baseline, the
frontier, the list and the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from pmo_shared.application.errors import AggregateNotFoundError
from portfolio_svc.application import analysis, queries
from portfolio_svc.application import commands as c
from portfolio_svc.domain.errors import NothingInForceError, UnknownScenarioError
from portfolio_svc.domain.portfolio import Portfolio

from .portfolio_world import OUTSIDER, PIA, VIEWER, World, created

D0, D1, D2 = date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)
COSTS = {"A": "400", "B": "300", "C": "200", "D": "250", "E": "150"}
VALUES = {"A": "0.80", "B": "0.55", "C": "0.50", "D": "0.45", "E": "0.20"}


async def worked(world: World) -> tuple[Portfolio, dict[str, UUID]]:
    """Given the worked portfolio on D0: five flagged large projects at estimated costs, one
    objective of weight 1 scored with the values, budget 800, D needs E, and a scenario
    forcing A out."""
    portfolio = await created(world)
    pid = portfolio.id
    ids = {name: world.know_project(bac=None, flagged_large=True) for name in COSTS}
    await world.run(
        c.WeighObjectives(portfolio_id=pid, weights={"fit": Decimal(1)}, effective_on=D0)
    )
    for name, component_id in ids.items():
        await world.run(
            c.AddComponent(
                portfolio_id=pid,
                component_id=component_id,
                kind="project",
                estimate=Decimal(COSTS[name]),
                effective_on=D0,
            )
        )
        await world.run(
            c.ScoreComponent(
                portfolio_id=pid,
                component_id=component_id,
                objective="fit",
                score=Decimal(VALUES[name]),
                rationale=f"{name} fits",
                effective_on=D0,
            )
        )
    await world.run(c.SetBudget(portfolio_id=pid, amount=Decimal(800), effective_on=D0))
    await world.run(
        c.DeclareDependency(
            portfolio_id=pid, component_id=ids["D"], needs=ids["E"], effective_on=D0
        )
    )
    portfolio = await world.run(
        c.SaveScenario(portfolio_id=pid, name="no A", forced_out=(ids["A"],), effective_on=D0)
    )
    return portfolio, ids


def names(ids: dict[str, UUID], selected: tuple[str, ...]) -> list[str]:
    by_id = {str(v): k for k, v in ids.items()}
    return sorted(by_id[s] for s in selected)


async def test_the_worked_selection_under_the_scenario_and_after_terminating_a(
    world: World,
) -> None:
    portfolio, ids = await worked(world)
    asked = analysis.Asked(portfolio.id, as_of=D0, scenario="no A")

    _, under_scenario = await analysis.selected(world.bus, VIEWER, asked)
    _, baseline = await analysis.selected(world.bus, VIEWER, analysis.Asked(portfolio.id, D0))
    await world.run(
        c.DecideOnComponent(
            portfolio_id=portfolio.id,
            component_id=ids["A"],
            decision="terminate",
            rationale="off strategy",
            decided_on=D1,
        ),
        by=PIA,
    )
    _, terminated = await analysis.selected(world.bus, VIEWER, analysis.Asked(portfolio.id, D1))

    for chosen in (under_scenario, terminated):
        assert names(ids, chosen.selected) == ["B", "C", "E"]
        assert (chosen.value, chosen.cost) == (Decimal("1.25"), Decimal(650))
        assert chosen.reasons[str(ids["A"])].kind.value == "forced_out"
        assert chosen.slacks[0].slack == Decimal(150)
    assert names(ids, baseline.selected) == ["A", "C", "E"]
    assert (baseline.value, baseline.cost) == (Decimal("1.50"), Decimal(750))


async def test_the_ranking_answers_each_business_date_with_the_weights_then(
    world: World,
) -> None:
    portfolio, ids = await worked(world)
    await world.run(
        c.WeighObjectives(
            portfolio_id=portfolio.id,
            weights={"fit": Decimal(1), "reach": Decimal(1)},
            effective_on=D2,
        )
    )

    _, before = await analysis.ranking(world.bus, VIEWER, analysis.Asked(portfolio.id, D1))

    assert [r.component_id for r in before] == [ids[n] for n in "ABCDE"]
    assert [r.value for r in before] == [Decimal(VALUES[n]) for n in "ABCDE"]
    assert before[0].terms[0].rationale == "A fits"
    with pytest.raises(Exception, match="no score for objective"):
        await analysis.ranking(world.bus, VIEWER, analysis.Asked(portfolio.id, D2))
    with pytest.raises(NothingInForceError):
        await analysis.ranking(world.bus, VIEWER, analysis.Asked(portfolio.id, date(2026, 1, 15)))


async def test_the_selection_as_it_was_known_before_a_decision(world: World) -> None:
    portfolio, ids = await worked(world)
    version = portfolio.version
    between = datetime.now(UTC)
    await world.run(
        c.DecideOnComponent(
            portfolio_id=portfolio.id,
            component_id=ids["A"],
            decision="terminate",
            rationale="off strategy",
            decided_on=D1,
        )
    )

    then = analysis.Asked(portfolio.id, as_of=D1, known_at=between)
    at, known_then = await analysis.selected(world.bus, VIEWER, then)
    _, known_now = await analysis.selected(world.bus, VIEWER, analysis.Asked(portfolio.id, D1))

    assert at.portfolio.version == version
    assert names(ids, known_then.selected) == ["A", "C", "E"]
    assert names(ids, known_now.selected) == ["B", "C", "E"]


async def test_a_scenario_against_the_baseline(world: World) -> None:
    portfolio, ids = await worked(world)

    _, compared = await analysis.comparison(
        world.bus, VIEWER, analysis.Asked(portfolio.id, D0), name="no A"
    )

    assert (compared.value_delta, compared.cost_delta) == (Decimal("-0.25"), Decimal(-100))
    assert names(ids, compared.selected_in) == ["B"]
    assert names(ids, compared.selected_out) == ["A"]
    with pytest.raises(UnknownScenarioError):
        await analysis.comparison(world.bus, VIEWER, analysis.Asked(portfolio.id, D0), name="x")
    with pytest.raises(UnknownScenarioError):  # saved on D0, not in force before
        await analysis.comparison(
            world.bus, VIEWER, analysis.Asked(portfolio.id, date(2026, 1, 31)), name="no A"
        )


async def test_the_frontier_marks_the_current_budget(world: World) -> None:
    portfolio, _ = await worked(world)

    _, curve = await analysis.frontier(
        world.bus, VIEWER, analysis.Asked(portfolio.id, D0, scenario="no A"), points=5
    )

    assert [p.budget for p in curve.points] == [0, 325, 650, 800, 975, 1300]
    assert [p.current for p in curve.points] == [False, False, False, True, False, False]
    assert curve.budget == Decimal(800)
    assert [p.value for p in curve.points][3] == Decimal("1.25")


async def test_adopting_the_selection_records_it_with_its_frontier(world: World) -> None:
    portfolio, ids = await worked(world)

    adopted = await world.run(
        c.AdoptSelection(portfolio_id=portfolio.id, as_of=D0, scenario="no A", points=3), by=PIA
    )

    (_, event), *_ = adopted.adopted.entries
    assert names(ids, tuple(str(s) for s in event.selected)) == ["B", "C", "E"]
    assert event.adopted_by == PIA.subject
    assert [p.current for p in event.frontier] == [False, False, True, False]


async def test_the_list_a_portfolio_as_known_and_its_audit_trail(world: World) -> None:
    first = await created(world)
    between = datetime.now(UTC)
    await world.run(c.SetBudget(portfolio_id=first.id, amount=Decimal(10)))
    second = await created(world, code="SECOND", manager="pf-paul")

    page = await queries.list_portfolios(world.bus, VIEWER, manager=None, after=None, limit=1)
    rest = await queries.list_portfolios(
        world.bus, VIEWER, manager=None, after=page[-1].seq, limit=10
    )
    pauls = await queries.list_portfolios(
        world.bus, VIEWER, manager="pf-paul", after=None, limit=10
    )
    theirs = await queries.list_portfolios(world.bus, OUTSIDER, manager=None, after=None, limit=10)
    then = await queries.get_portfolio(world.bus, VIEWER, first.id, known_at=between)
    trail = await queries.portfolio_history(world.bus, VIEWER, first.id)

    assert [r.portfolio_id for r in page] == [first.id]
    assert [r.portfolio_id for r in rest] == [second.id]
    assert [r.portfolio_id for r in pauls] == [second.id]
    assert theirs == []
    assert (then.version, then.budget.entries) == (1, [])
    assert [e.event_type for e in trail] == ["PortfolioCreated", "BudgetSet"]
    with pytest.raises(AggregateNotFoundError):
        await queries.get_portfolio(world.bus, OUTSIDER, first.id)
    with pytest.raises(AggregateNotFoundError):
        await queries.portfolio_history(world.bus, OUTSIDER, first.id)
