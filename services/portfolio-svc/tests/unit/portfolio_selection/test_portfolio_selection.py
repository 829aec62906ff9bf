"""The exact selection: the worked check, the reasons, each constraint, refusals, the frontier,
and determinism."""

from __future__ import annotations

import random
from decimal import Decimal
from itertools import pairwise

import pytest

from portfolio_svc.domain.errors import InfeasibleSelectionError, InvalidSelectionModelError
from portfolio_svc.domain.selection import (
    Component,
    Model,
    Reason,
    ReasonKind,
    frontier,
    select,
)


def _c(cid: str, cost: str, value: str, **demand: str) -> Component:
    return Component(cid, Decimal(cost), Decimal(value), {r: Decimal(h) for r, h in demand.items()})


WORKED = [
    _c("A", "400", "0.80"),
    _c("B", "300", "0.55"),
    _c("C", "200", "0.50"),
    _c("D", "250", "0.45"),
    _c("E", "150", "0.20"),
]


def _worked(**changes: object) -> Model:
    base: dict[str, object] = {
        "components": WORKED,
        "budget": Decimal(800),
        "forced_out": {"A"},
        "dependencies": [("D", "E")],
    }
    base.update(changes)
    return Model(**base)  # type: ignore[arg-type]


# --- the worked check -----------------------------------------------------------------------


def test_worked_check_selects_b_c_e_of_value_1_25_and_cost_650() -> None:
    selection = select(_worked())
    assert selection.selected == ("B", "C", "E")
    assert selection.value == Decimal("1.25")
    assert selection.cost == Decimal("650")


def test_worked_check_reasons_and_budget_slack() -> None:
    selection = select(_worked())
    assert selection.reasons == {
        "A": Reason(ReasonKind.FORCED_OUT),
        "B": Reason(ReasonKind.SELECTED),
        "C": Reason(ReasonKind.SELECTED),
        # E is selected, so D's need is met: D (250) does not fit in the 150 left.
        "D": Reason(ReasonKind.EXCLUDED_BY_BUDGET),
        "E": Reason(ReasonKind.SELECTED),
    }
    (budget,) = selection.slacks
    assert (budget.constraint, budget.limit, budget.used, budget.slack) == (
        "budget",
        Decimal(800),
        Decimal(650),
        Decimal(150),
    )
    assert not budget.binding
    assert selection.as_dict()["reasons"]["D"] == {"kind": "excluded_by_budget"}


def test_a_component_whose_need_is_forced_out_is_excluded_by_dependency() -> None:
    selection = select(_worked(forced_out={"A", "E"}))
    assert selection.reasons["D"] == Reason(ReasonKind.EXCLUDED_BY_DEPENDENCY, needs="E")
    assert selection.selected == ("B", "C")


def test_a_component_that_fits_but_whose_need_does_not_pay_is_excluded_by_dependency() -> None:
    # E costs 301 now: B+C (500, 1.05) leave room for D (250) but not for D and E.
    comps = [*WORKED[:4], _c("E", "301", "0.01")]
    selection = select(_worked(components=comps))
    assert selection.selected == ("B", "C")
    assert selection.reasons["D"] == Reason(ReasonKind.EXCLUDED_BY_DEPENDENCY, needs="E")
    assert selection.reasons["E"] == Reason(ReasonKind.EXCLUDED_BY_BUDGET)


# --- each constraint ------------------------------------------------------------------------


def test_capacity_per_role_limits_the_selection_and_reports_its_slack() -> None:
    comps = [
        _c("A", "100", "5", dev="30"),
        _c("B", "100", "4", dev="30", qa="5"),
        _c("C", "100", "3", qa="10"),
    ]
    selection = select(
        Model(comps, Decimal(1000), capacity={"dev": Decimal(40), "qa": Decimal("12.5")})
    )
    assert selection.selected == ("A", "C")
    assert selection.reasons["B"] == Reason(ReasonKind.EXCLUDED_BY_CAPACITY, role="dev")
    slacks = {(s.constraint, s.role): s for s in selection.slacks}
    assert slacks[("budget", None)].slack == Decimal(800)
    assert slacks[("capacity", "dev")].slack == Decimal(10)
    assert slacks[("capacity", "qa")].used == Decimal(10)
    assert slacks[("capacity", "qa")].slack == Decimal("2.5")


def test_a_demand_for_a_role_without_capacity_is_not_limited() -> None:
    comps = [_c("A", "1", "1", ops="1000")]
    assert select(Model(comps, Decimal(1))).selected == ("A",)


def test_exclusive_group_keeps_one_and_names_the_chosen() -> None:
    comps = [_c("A", "100", "3"), _c("B", "100", "5"), _c("C", "100", "1")]
    selection = select(Model(comps, Decimal(1000), exclusive_groups=[{"A", "B"}]))
    assert selection.selected == ("B", "C")
    assert selection.reasons["A"] == Reason(
        ReasonKind.EXCLUDED_BY_EXCLUSIVE_GROUP, group=("A", "B"), chosen="B"
    )


def test_forced_in_wins_over_a_better_value() -> None:
    comps = [_c("A", "500", "1"), _c("B", "500", "9")]
    selection = select(Model(comps, Decimal(500), forced_in={"A"}))
    assert selection.selected == ("A",)
    assert selection.reasons["A"] == Reason(ReasonKind.FORCED_IN)
    assert selection.reasons["B"] == Reason(ReasonKind.EXCLUDED_BY_BUDGET)
    assert selection.slacks[0].binding


def test_forced_in_pulls_in_what_it_needs() -> None:
    comps = [_c("A", "100", "1"), _c("B", "100", "0")]
    selection = select(Model(comps, Decimal(200), forced_in={"A"}, dependencies=[("A", "B")]))
    assert selection.selected == ("A", "B")
    assert selection.reasons["B"] == Reason(ReasonKind.SELECTED)


def test_a_dependency_cycle_is_all_or_nothing() -> None:
    comps = [_c("A", "100", "1"), _c("B", "100", "1"), _c("C", "150", "1.5")]
    cycle = [("A", "B"), ("B", "A")]
    assert select(Model(comps, Decimal(200), dependencies=cycle)).selected == ("A", "B")
    assert select(Model(comps, Decimal(150), dependencies=cycle)).selected == ("C",)


def test_equal_value_prefers_lower_cost_then_earlier_ids() -> None:
    comps = [_c("A", "200", "1"), _c("B", "100", "1"), _c("C", "100", "1")]
    selection = select(Model(comps, Decimal(100)))
    assert selection.selected == ("B",)
    assert selection.reasons["C"] == Reason(ReasonKind.EXCLUDED_BY_BUDGET)
    # a zero-value component costs without adding: the cost tie-break leaves it out
    free = select(Model([_c("A", "0", "1"), _c("Z", "10", "0")], Decimal(100)))
    assert free.selected == ("A",)
    assert free.reasons["Z"] == Reason(ReasonKind.EXCLUDED_BY_TIE_BREAK)


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"forced_in": {"B", "C", "D"}, "forced_out": set()}, "budget"),
        ({"forced_in": {"D"}, "forced_out": {"E"}}, "dependency"),
        ({"forced_in": {"A"}, "forced_out": {"A"}}, "forced"),
        ({"forced_in": {"B", "C"}, "exclusive_groups": [{"B", "C"}]}, "exclusive_group"),
        ({"forced_in": {"D"}, "exclusive_groups": [{"D", "E"}]}, "exclusive_group"),
    ],
)
def test_an_infeasible_model_is_refused_naming_the_constraint(
    changes: dict[str, object], constraint: str
) -> None:
    with pytest.raises(InfeasibleSelectionError) as caught:
        select(_worked(**changes))
    assert caught.value.status == 422
    assert caught.value.problem_extra()["constraint"] == constraint


def test_forced_in_over_a_role_capacity_is_refused_with_the_figures() -> None:
    comps = [_c("A", "1", "1", dev="30"), _c("B", "1", "1", dev="20")]
    with pytest.raises(InfeasibleSelectionError) as caught:
        select(Model(comps, Decimal(10), capacity={"dev": Decimal(40)}, forced_in={"A", "B"}))
    extra = caught.value.problem_extra()
    assert extra == {
        "constraint": "capacity",
        "components": ["A", "B"],
        "role": "dev",
        "required": "50",
        "limit": "40",
    }


@pytest.mark.parametrize(
    "model",
    [
        Model([_c("A", "1", "1"), _c("A", "2", "2")], Decimal(1)),
        Model([_c("A", "-1", "1")], Decimal(1)),
        Model([Component("A", Decimal("NaN"), Decimal(1))], Decimal(1)),
        Model([_c("A", "1", "1")], Decimal(-1)),
        Model([_c("A", "1", "1")], Decimal(1), forced_in={"X"}),
        Model([_c("A", "1", "1")], Decimal(1), dependencies=[("A", "X")]),
        Model([_c("A", "1", "1")], Decimal(1), exclusive_groups=[{"A", "X"}]),
        Model([_c("A", "1E+20", "1")], Decimal(1)),
    ],
)
def test_a_model_that_is_not_one_is_refused(model: Model) -> None:
    with pytest.raises(InvalidSelectionModelError) as caught:
        select(model)
    assert caught.value.status == 422


# --- the frontier ---------------------------------------------------------------------------


def test_frontier_is_monotone_starts_empty_and_marks_the_current_budget() -> None:
    points = frontier(_worked(), 11)
    assert points[0].budget == 0
    assert points[0].selected == ()
    assert points[0].value == 0
    assert points[-1].budget == Decimal(1300)  # the sum of all costs
    budgets = [p.budget for p in points]
    assert budgets == sorted(budgets)
    values = [p.value for p in points]
    assert all(a is not None and b is not None and a <= b for a, b in pairwise(values))
    (current,) = [p for p in points if p.current]
    assert current.budget == Decimal(800)
    assert current.selected == ("B", "C", "E")
    assert current.value == select(_worked()).value
    assert points[-1].selected == ("B", "C", "D", "E")  # A stays forced out
    assert points[-1].as_dict()["value"] == "1.70"


def test_frontier_points_below_the_forced_in_cost_are_infeasible() -> None:
    points = frontier(_worked(forced_in={"B"}), 5)
    # budgets 0, 325, 650, 975, 1300 and the model's 800: B, forced in, costs 300
    assert [p.budget for p in points] == [Decimal(b) for b in (0, 325, 650, 800, 975, 1300)]
    assert not points[0].feasible
    assert points[0].as_dict()["value"] is None
    assert all(p.feasible and "B" in p.selected for p in points[1:])


@pytest.mark.parametrize("points", [0, 1, 10_000])
def test_frontier_refuses_too_few_or_too_many_points(points: int) -> None:
    with pytest.raises(InvalidSelectionModelError):
        frontier(_worked(), points)


# --- determinism ----------------------------------------------------------------------------


def test_the_same_answer_across_solves_and_shuffled_input() -> None:
    comps = [_c(chr(ord("A") + k), str(100 + 50 * (k % 3)), str(1 + k % 2)) for k in range(10)]
    groups = [{"A", "D"}, {"B", "E", "H"}]
    deps = [("C", "F"), ("G", "J")]
    expected = select(Model(comps, Decimal(600), dependencies=deps, exclusive_groups=groups))
    rng = random.Random(7)
    for _ in range(10):
        shuffled = rng.sample(comps, len(comps))
        again = select(
            Model(
                shuffled,
                Decimal(600),
                dependencies=rng.sample(deps, len(deps)),
                exclusive_groups=rng.sample(groups, len(groups)),
            )
        )
        assert again == expected
