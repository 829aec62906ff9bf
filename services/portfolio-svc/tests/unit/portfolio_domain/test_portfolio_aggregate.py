"""The Portfolio aggregate: given events, when a command, then events or a refusal; the worked
selection through the aggregate; past rankings under re-weighting; replay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from pmo_shared.domain.errors import InvalidTransitionError
from portfolio_svc.domain import events as ev
from portfolio_svc.domain.errors import (
    BackdatedFactError,
    IncompleteScoresError,
    InconsistentComparisonsError,
    InvalidScoreError,
    PortfolioCurrencyMismatchError,
    UnknownComponentError,
    UnknownObjectiveError,
)
from portfolio_svc.domain.portfolio import Portfolio

D0, D1, D2, D3 = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)
COSTS = {"A": "400", "B": "300", "C": "200", "D": "250", "E": "150"}
VALUES = {"A": "0.80", "B": "0.55", "C": "0.50", "D": "0.45", "E": "0.20"}
IDS = {name: UUID(int=i + 1) for i, name in enumerate("ABCDE")}
NAME = {v: k for k, v in IDS.items()}


def _new() -> Portfolio:
    return Portfolio.create(uuid4(), code="PF1", name="Main", manager="u1", currency="EUR", on=D0)


def _worked() -> Portfolio:
    p = _new()
    p.weigh_objectives({"growth": Decimal(1)}, on=D0)
    for n, cost in COSTS.items():
        p.add_component(IDS[n], kind="project", cost=Decimal(cost), currency="EUR", on=D0)
        p.score(IDS[n], objective="growth", score=Decimal(VALUES[n]) * 5, rationale="why", on=D0)
    p.set_budget(Decimal(800), on=D0)
    p.declare_dependency(IDS["D"], needs=IDS["E"], on=D0)
    p.save_scenario("no A", forced_out=[IDS["A"]], on=D0)
    return p


def test_create_records_portfolio_created() -> None:
    p = _new()
    assert [type(e) for e in p.pending] == [ev.PortfolioCreated]
    assert p.currency == "EUR"
    assert p.stream_type == "portfolio"


def test_worked_selection_through_the_aggregate() -> None:
    p = _worked()
    selected = p.select(as_of=D0, scenario="no A")
    assert [NAME[UUID(s)] for s in selected.selected] == ["B", "C", "E"]
    assert selected.value == Decimal("1.25") * 5  # each score is value x 5
    assert selected.cost == Decimal("650")


def test_ranking_values_are_weight_times_score() -> None:
    ranked = _worked().ranking(as_of=D0)
    assert [(NAME[r.component_id], r.value) for r in ranked] == [
        (n, Decimal(VALUES[n]) * 5) for n in "ABCDE"
    ]


def test_reweighting_leaves_an_earlier_ranking_unchanged() -> None:
    p = _worked()
    before = p.ranking(as_of=D0)
    p.weigh_objectives({"growth": Decimal(1), "risk": Decimal(1)}, on=D2)
    for n in "ABCDE":
        p.score(
            IDS[n],
            objective="risk",
            score=Decimal(5) if n == "E" else Decimal(0),
            rationale="r",
            on=D2,
        )
    assert p.ranking(as_of=D1) == before
    assert p.ranking(as_of=D2)[0].component_id == IDS["E"]


def test_backdated_reweighting_is_refused() -> None:
    p = _worked()
    p.weigh_objectives({"growth": Decimal(2)}, on=D2)
    with pytest.raises(BackdatedFactError):
        p.weigh_objectives({"growth": Decimal(1)}, on=D1)


def test_fact_before_creation_is_refused() -> None:
    with pytest.raises(BackdatedFactError):
        _new().set_budget(Decimal(1), on=date(2025, 12, 31))


def test_ahp_weighting_records_matrix_and_cr() -> None:
    p = _new()
    p.weigh_objectives_by_ahp(["a", "b"], [[1, 3], [Decimal(1) / 3, 1]], on=D0)
    event = p.pending[-1]
    assert isinstance(event, ev.ObjectivesWeighted)
    assert event.method == "ahp"
    assert event.cr == 0
    assert sum(event.weights.values()) == 1
    assert event.matrix is not None


def test_inconsistent_ahp_matrix_is_refused() -> None:
    m = [[1, 9, Decimal(1) / 9], [Decimal(1) / 9, 1, 9], [9, Decimal(1) / 9, 1]]
    with pytest.raises(InconsistentComparisonsError):
        _new().weigh_objectives_by_ahp(["a", "b", "c"], m, on=D0)


def test_component_in_another_currency_is_refused() -> None:
    with pytest.raises(PortfolioCurrencyMismatchError):
        _new().add_component(uuid4(), kind="program", cost=Decimal(1), currency="USD", on=D0)


def test_score_out_of_range_or_unknown_objective_is_refused() -> None:
    p = _worked()
    with pytest.raises(InvalidScoreError):
        p.score(IDS["A"], objective="growth", score=Decimal(6), rationale="", on=D1)
    with pytest.raises(UnknownObjectiveError):
        p.score(IDS["A"], objective="nope", score=Decimal(1), rationale="", on=D1)


def test_missing_score_is_refused_in_ranking() -> None:
    p = _worked()
    p.add_component(uuid4(), kind="program", cost=Decimal(1), currency="EUR", on=D1)
    assert len(p.ranking(as_of=D0)) == 5
    with pytest.raises(IncompleteScoresError):
        p.ranking(as_of=D1)


def test_removed_component_leaves_later_models_only() -> None:
    p = _worked()
    p.remove_component(IDS["A"], on=D2)
    assert len(p.selection_model(as_of=D1).components) == 5
    assert len(p.selection_model(as_of=D2).components) == 4
    with pytest.raises(UnknownComponentError):
        p.change_cost(IDS["A"], cost=Decimal(1), on=D3)


def test_cost_change_and_budget_apply_from_their_date() -> None:
    p = _worked()
    p.change_cost(IDS["A"], cost=Decimal(100), cost_is_estimate=True, on=D2)
    p.set_budget(Decimal(900), on=D2)
    assert p.selection_model(as_of=D1).budget == Decimal(800)
    model = p.selection_model(as_of=D2)
    assert model.budget == Decimal(900)
    assert {c.id: c.cost for c in model.components}[str(IDS["A"])] == Decimal(100)


def test_decisions_force_in_and_out_and_terminate_is_final() -> None:
    p = _worked()
    p.decide(IDS["D"], decision="approve", rationale="fund", by="u2", on=D1)
    p.decide(IDS["A"], decision="terminate", rationale="stop", by="u2", on=D1)
    model = p.selection_model(as_of=D1)
    assert set(model.forced_in) == {str(IDS["D"])}
    assert set(model.forced_out) == {str(IDS["A"])}
    assert p.selection_model(as_of=D0).forced_in == frozenset()
    with pytest.raises(InvalidTransitionError):
        p.decide(IDS["A"], decision="approve", rationale="again", by="u2", on=D2)


def test_scenario_overrides_budget_capacity_and_weights() -> None:
    p = _worked()
    p.set_capacity("dev", Decimal(10), on=D0)
    p.save_scenario(
        "big",
        budget=Decimal(2000),
        capacities={"dev": Decimal(20)},
        weights={"growth": Decimal(3)},
        on=D1,
    )
    model = p.selection_model(as_of=D1, scenario="big")
    assert model.budget == Decimal(2000)
    assert model.capacity == {"dev": Decimal(20)}
    assert p.selection_model(as_of=D1).capacity == {"dev": Decimal(10)}


def test_replay_gives_the_same_state() -> None:
    p = _worked()
    p.weigh_objectives({"growth": Decimal(1)}, on=D2)
    p.decide(IDS["B"], decision="defer", rationale="later", by="u2", on=D2)
    again = Portfolio.rehydrate(p.id, p.pending)
    assert again.version == len(p.pending)
    assert again.ranking(as_of=D2) == p.ranking(as_of=D2)
    assert again.selection_model(as_of=D2, scenario="no A") == p.selection_model(
        as_of=D2, scenario="no A"
    )
    assert again.components == p.components


def test_events_round_trip_through_the_registry() -> None:
    for event in _worked().pending:
        payload = event.model_dump(mode="json")
        decoded = ev.registry.decode(event.event_type, event.schema_version, payload)
        assert decoded.model_dump(mode="json") == payload
