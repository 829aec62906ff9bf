"""Ranking: value = Σ wᵢ·sᵢ, exact, every term visible, competition ranks with ties ordered by
component id, and the refusals of a bad or missing score."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from portfolio_svc.domain.errors import IncompleteScoresError, InvalidScoreError
from portfolio_svc.domain.ranking import Score, Term, rank

D = Decimal

WEIGHTS = {"growth": D("0.5"), "risk": D("0.3"), "compliance": D("0.2")}


def scores(growth: str, risk: str, compliance: str) -> dict[str, Score]:
    return {
        "growth": Score(D(growth), f"growth {growth}"),
        "risk": Score(D(risk), f"risk {risk}"),
        "compliance": Score(D(compliance), f"compliance {compliance}"),
    }


def test_value_is_the_weighted_sum_with_every_term() -> None:
    ranked = rank(WEIGHTS, {"p1": scores("4", "2", "5"), "p2": scores("3", "5", "1")})
    # p1: 0.5·4 + 0.3·2 + 0.2·5 = 2.0 + 0.6 + 1.0 = 3.6
    # p2: 0.5·3 + 0.3·5 + 0.2·1 = 1.5 + 1.5 + 0.2 = 3.2
    assert [(r.component_id, r.value, r.rank) for r in ranked] == [
        ("p1", D("3.6"), 1),
        ("p2", D("3.2"), 2),
    ]
    assert ranked[0].terms == (
        Term("growth", D("0.5"), D("4"), D("2.0"), "growth 4"),
        Term("risk", D("0.3"), D("2"), D("0.6"), "risk 2"),
        Term("compliance", D("0.2"), D("5"), D("1.0"), "compliance 5"),
    )
    for r in ranked:
        assert r.value == sum(t.product for t in r.terms)


def test_value_is_exact_with_six_place_weights() -> None:
    weights = {"a": D("0.636986"), "b": D("0.258285"), "c": D("0.104729")}
    ranked = rank(
        weights,
        {"x": {"a": Score(D("4.5"), ""), "b": Score(D("3"), ""), "c": Score(D("0.25"), "")}},
    )
    # 2.866437 + 0.774855 + 0.02618225 = 3.66747425
    assert ranked[0].value == D("3.66747425")
    assert [t.product for t in ranked[0].terms] == [D("2.866437"), D("0.774855"), D("0.02618225")]


def test_terms_follow_the_objective_order() -> None:
    weights = {"risk": D("0.3"), "compliance": D("0.2"), "growth": D("0.5")}
    ranked = rank(weights, {"p": scores("1", "2", "3")})
    assert [t.objective for t in ranked[0].terms] == ["risk", "compliance", "growth"]


def test_ties_share_a_rank_ordered_by_component_id() -> None:
    ranked = rank(
        WEIGHTS,
        {
            "p3": scores("2", "2", "2"),  # 2.0
            "p4": scores("1", "0", "0"),  # 0.5
            "p2": scores("4", "0", "0"),  # 2.0
            "p1": scores("5", "5", "5"),  # 5.0
            "p5": scores("0", "0", "2.5"),  # 0.5
        },
    )
    assert [(r.component_id, r.value, r.rank) for r in ranked] == [
        ("p1", D("5.0"), 1),
        ("p2", D("2.0"), 2),
        ("p3", D("2.0"), 2),
        ("p4", D("0.5"), 4),
        ("p5", D("0.5"), 4),
    ]


def test_ties_between_uuids_order_by_id() -> None:
    low, high = UUID(int=1), UUID(int=2)
    ranked = rank(WEIGHTS, {high: scores("1", "1", "1"), low: scores("1", "1", "1")})
    assert [(r.component_id, r.rank) for r in ranked] == [(low, 1), (high, 1)]


def test_no_components_rank_to_an_empty_list() -> None:
    assert rank(WEIGHTS, {}) == []


@pytest.mark.parametrize("value", [D("-0.01"), D("5.01"), D("NaN"), D("Infinity"), 3, 2.5, "3"])
def test_a_score_outside_zero_to_five_is_refused(value: Any) -> None:
    with pytest.raises(InvalidScoreError) as refused:
        Score(value, "why")
    assert refused.value.status == 422
    assert "from 0 to 5" in str(refused.value)
    assert refused.value.problem_extra() == {"value": str(value)}


@pytest.mark.parametrize("value", [D(0), D(5), D("2.75")])
def test_scores_from_zero_to_five_are_taken(value: D) -> None:
    assert Score(value, "why").value == value


def test_a_missing_score_is_refused_naming_component_and_objective() -> None:
    partial = scores("1", "2", "3")
    del partial["risk"]
    with pytest.raises(IncompleteScoresError) as refused:
        rank(WEIGHTS, {"p1": scores("1", "1", "1"), "p2": partial})
    error = refused.value
    assert error.status == 422
    assert str(error) == "component p2 has no score for objective(s) risk"
    assert error.problem_extra() == {
        "component_id": "p2",
        "missing_objectives": ["risk"],
        "unknown_objectives": [],
    }


def test_a_score_for_an_unweighted_objective_is_refused() -> None:
    extra = {**scores("1", "2", "3"), "esg": Score(D(4), "")}
    with pytest.raises(IncompleteScoresError) as refused:
        rank(WEIGHTS, {"p1": extra})
    assert "a score for unweighted objective(s) esg" in str(refused.value)
    assert refused.value.problem_extra()["unknown_objectives"] == ["esg"]
