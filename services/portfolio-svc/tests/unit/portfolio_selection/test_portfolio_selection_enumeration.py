"""The solver against exhaustive enumeration of all 2^n subsets on random models of up to 12
components: the same feasibility, the same optimal value, and the same tie-break winner."""

from __future__ import annotations

from decimal import Decimal
from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_svc.domain.errors import InfeasibleSelectionError
from portfolio_svc.domain.selection import Component, Model, frontier, select


def _feasible(model: Model, chosen: set[str]) -> bool:
    comps = {c.id: c for c in model.components}
    return (
        set(model.forced_in) <= chosen
        and not set(model.forced_out) & chosen
        and all(b in chosen for a, b in model.dependencies if a in chosen)
        and all(len(set(g) & chosen) <= 1 for g in model.exclusive_groups)
        and sum((comps[i].cost for i in chosen), Decimal(0)) <= model.budget
        and all(
            sum((comps[i].demand.get(role, Decimal(0)) for i in chosen), Decimal(0)) <= cap
            for role, cap in model.capacity.items()
        )
    )


def _best(model: Model) -> tuple[Decimal, Decimal, tuple[str, ...]] | None:
    """By enumeration: the greatest value, then the lowest cost, then the first differing id
    (in sorted order) held -- the lexicographically greatest 0/1 vector over the sorted ids."""
    ids = sorted(c.id for c in model.components)
    comps = {c.id: c for c in model.components}
    best: tuple[tuple[Decimal, Decimal, tuple[int, ...]], tuple[str, ...]] | None = None
    for bits in product((1, 0), repeat=len(ids)):
        chosen = {cid for cid, bit in zip(ids, bits, strict=True) if bit}
        if not _feasible(model, chosen):
            continue
        value = sum((comps[i].value for i in chosen), Decimal(0))
        cost = sum((comps[i].cost for i in chosen), Decimal(0))
        key = (value, -cost, bits)
        if best is None or key > best[0]:
            best = (key, tuple(sorted(chosen)))
    if best is None:
        return None
    (value, neg_cost, _), chosen_ids = best
    return value, -neg_cost, chosen_ids


@st.composite
def models(draw: st.DrawFn) -> Model:
    n = draw(st.integers(min_value=1, max_value=12))
    ids = [f"c{k:02d}" for k in range(n)]
    # few distinct costs and values, so equal-value and equal-cost optima are common
    costs = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    values = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    dev = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    comps = [
        Component(cid, Decimal(cost) * 5, Decimal(value) / 4, {"dev": Decimal(h) / 2})
        for cid, cost, value, h in zip(ids, costs, values, dev, strict=True)
    ]
    total = sum(costs) * 5
    budget = Decimal(draw(st.integers(0, max(total, 0)))) + draw(
        st.sampled_from([Decimal(0), Decimal("0.5")])
    )
    capacity = {"dev": Decimal(draw(st.integers(0, 3 * n))) / 2} if draw(st.booleans()) else {}
    pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids))
    dependencies = draw(st.lists(pairs, max_size=n))
    groups = draw(st.lists(st.frozensets(st.sampled_from(ids), min_size=1, max_size=4), max_size=3))
    forced_in = draw(st.frozensets(st.sampled_from(ids), max_size=2))
    forced_out = draw(st.frozensets(st.sampled_from(ids), max_size=2))
    return Model(
        components=comps,
        budget=budget,
        capacity=capacity,
        forced_in=forced_in,
        forced_out=forced_out,
        dependencies=dependencies,
        exclusive_groups=groups,
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_the_solver_agrees_with_enumeration(model: Model) -> None:
    expected = _best(model)
    if expected is None:
        try:
            select(model)
        except InfeasibleSelectionError:
            return
        raise AssertionError("the solver selected from a model enumeration finds infeasible")
    value, cost, chosen = expected
    selection = select(model)
    assert selection.value == value  # the objective first
    assert (selection.cost, selection.selected) == (cost, chosen)  # then the tie-break
    assert _feasible(model, set(selection.selected))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_every_frontier_point_is_the_enumerated_optimum(model: Model) -> None:
    try:
        points = frontier(model, 4)
    except InfeasibleSelectionError:
        return
    for point in points:
        expected = _best(Model(**{**model.__dict__, "budget": point.budget}))
        if expected is None:
            assert not point.feasible
        else:
            assert (point.value, point.cost, point.selected) == expected
