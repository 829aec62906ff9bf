"""The portfolio read model's rows as the domain's values: of each kind of fact the one in force
(the latest by business date, then by stream version), the decision in force and who made it,
the adopted selection with its frontier (an infeasible point without value nor cost), and the
programs and projects a page of portfolios names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from reporting_svc.application import portfolio_facts as facts
from reporting_svc.application.portfolio_facts import Decision
from reporting_svc.domain.frontier import FrontierPoint

D = Decimal
G, P, Q = uuid4(), uuid4(), uuid4()


def _component(kind: str, component_id: Any, **facts_of: list[Any]) -> dict[str, Any]:
    return {
        "component_id": str(component_id),
        "kind": kind,
        "costs": facts_of.get("costs", []),
        "scores": facts_of.get("scores", []),
        "decisions": facts_of.get("decisions", []),
    }


def test_the_weights_and_budget_in_force_are_the_latest_by_date_then_version() -> None:
    row = SimpleNamespace(
        weightings=[
            ["2026-03-01", 4, "ahp", [["growth", "0.7"], ["cost", "0.3"]]],
            ["2026-01-01", 9, "direct", [["growth", "0.5"], ["cost", "0.5"]]],  # recorded later
            ["2026-03-01", 2, "direct", [["cost", "0.9"], ["growth", "0.1"]]],  # that day, before
        ],
        budgets=[["2026-01-01", 3, "800"], ["2026-02-01", 1, "500"]],
    )
    assert facts.weights(row) == ((("growth", D("0.7")), ("cost", D("0.3"))), "ahp")
    assert facts.budget(row) == D(500)
    assert facts.weights(SimpleNamespace(weightings=[])) == (None, None)
    assert facts.budget(SimpleNamespace(budgets=[])) is None


def test_a_components_cost_and_scores_in_force() -> None:
    data = _component(
        "project",
        P,
        costs=[["2026-01-05", 3, "1000", True], ["2026-02-15", 8, "600", False]],
        scores=[
            ["2026-01-05", 4, "growth", "2", "first"],
            ["2026-02-01", 6, "growth", "4.5", "revised"],
            ["2026-01-05", 5, "cost", "3", "cheap"],
        ],
    )
    assert facts.cost(data) == (D(600), False)
    scores = facts.scores(data)
    assert {o: (s.value, s.rationale) for o, s in scores.items()} == {
        "growth": (D("4.5"), "revised"),
        "cost": (D(3), "cheap"),
    }
    assert facts.cost(_component("project", P)) is None


def test_the_decision_in_force_and_who_made_it() -> None:
    sealed = {"subject_ref": "x", "key_id": "y", "ciphertext": "z"}
    data = _component(
        "program",
        G,
        decisions=[
            ["2026-02-01", 7, "defer", "later", [], {"other": 1}],
            ["2026-02-10", 9, "approve", "fund it", [str(P), str(Q)], sealed],
        ],
    )
    assert facts.decider(data) == sealed
    assert facts.decision(data, "pmo-carol") == Decision(
        "approved", date(2026, 2, 10), "fund it", (P, Q), "pmo-carol"
    )
    undecided = _component("project", P)
    assert facts.decider(undecided) is None
    assert facts.decision(undecided, "nobody") == Decision("undecided")


def test_the_adopted_selection_and_its_frontier() -> None:
    data = {
        "version": 12,
        "as_of": "2026-02-01",
        "scenario": None,
        "budget": "1200",
        "value": "6.8",
        "cost": "600",
        "selected": [str(G)],
        "excluded": [str(P)],
        "frontier": [
            {"budget": "0", "feasible": False, "value": None, "cost": None},
            {"budget": "1200", "feasible": True, "value": "6.8", "cost": "600", "current": True},
        ],
        "adopted_on": "2026-02-01",
        "adopted_by": "sealed",
    }
    selection = facts.selection(data, "pf-mia")
    assert selection is not None
    assert (selection.selected, selection.excluded, selection.adopted_by) == ((G,), (P,), "pf-mia")
    assert selection.frontier == (
        FrontierPoint(D(0), False, None, None, False),
        FrontierPoint(D(1200), True, D("6.8"), D(600), True),
    )
    assert facts.selection(None, "pf-mia") is None


def test_what_a_page_of_portfolios_names() -> None:
    rows = [
        SimpleNamespace(components=[_component("program", G), _component("project", P)]),
        SimpleNamespace(components=[_component("project", Q)]),
    ]
    assert facts.named(rows) == ({G}, {P, Q})
    program = SimpleNamespace(members=[{"project_id": str(P)}, {"project_id": str(Q)}])
    assert facts.members(program) == [P, Q]
    assert facts.members(None) == []
