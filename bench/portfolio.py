"""Item 5: portfolio-svc's exact 0/1 selection and its efficient frontier, against the LP
relaxation of the same model, and what exactness buys over a greedy heuristic.

Instances: INSTANCES models made from fixed seeds (`instance(seed)`), each of COMPONENTS
components with a cost (50,000 to 2,000,000 in steps of 1,000, log-uniform: many small, a few
large), a value as the product computes it (sum of weight x score over 4 objectives weighted
0.35 / 0.30 / 0.20 / 0.15, integer scores 0-5: values of 2 decimals, with many ties, unrelated
to cost) and a demand per role for 3 roles (hours, about proportional to the cost, each role
missing from a component 1 time in 4); the budget BUDGET_SHARE of the sum of costs, each role's
capacity CAPACITY_SHARE of the sum of its demands; DEPENDENCIES pairs "a needs b", acyclic (b
earlier than a in a random order; the model would allow cycles, but a portfolio's are not);
GROUPS disjoint mutually exclusive groups of 2 to 4 components; 2 components forced in and 2
forced out, none of them in a dependency or a group (so every instance is feasible).

Measured, each instance in turn, REPEATS times, the three taking turns (select, LP, 0/1 solve,
select, ...) so what the machine does meanwhile weighs on all alike:
- `select(model)`: the product's function as the API calls it (validation, exact integer
  scaling, the 0/1 program, its documented tie-break -- successive exact solves, about one per
  component not selected -- and the reasons and slacks);
- the baseline, the LP relaxation of the same model (`lp_bound`): built here from the Model's
  public fields (same constraints, x in [0, 1], the forced ones fixed), solved by HiGHS through
  highspy (one thread, no output), build included as `select` includes its own;
- one 0/1 solve (`mip_value`): the same build with x integer and relative gap 0, maximising
  value once, no tie-break, no reasons: how much of `select`'s time is the integrality and how
  much the tie-break.
And, on the first FRONTIER_INSTANCES instances, once each, `frontier(model, 20)` (20 evenly
spaced budgets from 0 to the sum of costs plus the model's own: 21 optima, each with the
tie-break), beside the LP relaxation at the same 21 budgets.

What exactness buys: `greedy(model)`, a value-per-cost heuristic that respects every
constraint: it starts from the forced-in components with everything they need, then takes the
components by value / cost, highest first (ties by id), each with whatever it needs that is not
in yet, if that bundle holds nothing forced out, breaks no exclusive group and fits the budget
and every capacity left. Its value is compared with the exact optimum (value gap) and the
optimum with the LP bound (integrality gap).

Checked, and the item fails loudly otherwise: every answer of `select` satisfies the model
(checked here in exact Decimals) and is the same at every repeat; greedy <= exact <= LP bound
(+ a 1e-6 relative tolerance for the LP's floating point); the frontier's point at the model's
budget is `select`'s answer, its values never fall as the budget grows, and each is at most the
LP bound at that budget.

Every loop is bounded by count, and the item by CAP_SECONDS: a measurement that would start
after the cap is skipped and the details say so.

`python -m bench.portfolio [--instances N] [--repeats R] [--frontier-instances F]` runs the
item alone (no stack: no database, no Kafka) and prints its rows and details.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

import highspy
import numpy as np

from bench.common import Context, Row, percentile
from portfolio_svc.domain.selection import Component, Model, Selection, frontier, select

COMPONENTS = 200
ROLES = ("analyst", "developer", "tester")
OBJECTIVE_WEIGHTS = (Decimal("0.35"), Decimal("0.30"), Decimal("0.20"), Decimal("0.15"))
DEPENDENCIES = 20
GROUPS = 5
FORCED = 2  # forced in, and as many forced out
BUDGET_SHARE = Decimal("0.4")
CAPACITY_SHARE = Decimal("0.38")  # about as tight as the budget: both bind
SEEDS = (20261201, 20261202, 20261203, 20261204, 20261205)
INSTANCES = len(SEEDS)
REPEATS = 3
FRONTIER_POINTS = 20
FRONTIER_INSTANCES = 3
CAP_SECONDS = 330.0
LP_TOLERANCE = 1e-6  # relative: the LP is solved in floating point
HIGHS_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("output_flag", False),
    ("threads", 1),
    ("random_seed", 20240601),
)
MIP_OPTIONS: tuple[tuple[str, Any], ...] = (  # as portfolio-svc's solver
    ("mip_rel_gap", 0.0),
    ("mip_feasibility_tolerance", 1e-9),
)


# --- instances ----------------------------------------------------------------------------


def instance(
    seed: int,
    *,
    components: int = COMPONENTS,
    dependencies: int = DEPENDENCIES,
    groups: int = GROUPS,
) -> Model:
    """The deterministic random model of a seed (see the module's docstring)."""
    rng = random.Random(seed)
    ids = [f"c{i:03d}" for i in range(components)]
    comps = []
    for cid in ids:
        cost = Decimal(round(math.exp(rng.uniform(math.log(50), math.log(2000))))) * 1000
        value = sum(w * rng.randint(0, 5) for w in OBJECTIVE_WEIGHTS)
        demand = {
            role: Decimal(round(float(cost) / 1000 * rng.uniform(0.2, 1.2)))
            for role in ROLES
            if rng.random() >= 0.25
        }
        comps.append(Component(cid, cost, Decimal(value), demand))
    order = ids[:]
    rng.shuffle(order)
    rank = {cid: k for k, cid in enumerate(order)}
    deps: set[tuple[str, str]] = set()
    while len(deps) < dependencies:
        a, b = rng.sample(ids, 2)
        deps.add((a, b) if rank[a] > rank[b] else (b, a))  # a needs b, b earlier: acyclic
    involved = {cid for pair in deps for cid in pair}
    free = [cid for cid in ids if cid not in involved]
    rng.shuffle(free)
    exclusive: list[tuple[str, ...]] = []
    for _ in range(groups):
        size = rng.randint(2, 4)
        exclusive.append(tuple(sorted(free[:size])))
        free = free[size:]
    forced_in, forced_out = free[:FORCED], free[FORCED : 2 * FORCED]
    total_cost = sum((c.cost for c in comps), Decimal(0))
    capacity = {
        role: (
            sum((c.demand.get(role, Decimal(0)) for c in comps), Decimal(0)) * CAPACITY_SHARE
        ).to_integral_value()
        for role in ROLES
    }
    return Model(
        components=comps,
        budget=(total_cost * BUDGET_SHARE).to_integral_value(),
        capacity=capacity,
        forced_in=frozenset(forced_in),
        forced_out=frozenset(forced_out),
        dependencies=tuple(sorted(deps)),
        exclusive_groups=tuple(exclusive),
    )


# --- checks in exact Decimals -------------------------------------------------------------


def _needs(model: Model) -> dict[str, set[str]]:
    needs: dict[str, set[str]] = {c.id: set() for c in model.components}
    for a, b in model.dependencies:
        if a != b:
            needs[a].add(b)
    return needs


def _closure(needs: Mapping[str, set[str]], start: Collection[str]) -> set[str]:
    seen, todo = set(start), sorted(start)
    while todo:
        for b in needs[todo.pop()]:
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def violations(model: Model, chosen: Collection[str]) -> list[str]:
    """What a set of component ids breaks in the model (empty: feasible)."""
    by_id = {c.id: c for c in model.components}
    inside = set(chosen)
    broken = [f"forced in {cid} missing" for cid in sorted(set(model.forced_in) - inside)]
    broken += [f"forced out {cid} selected" for cid in sorted(set(model.forced_out) & inside)]
    broken += [f"{a} without {b}" for a, b in model.dependencies if a in inside and b not in inside]
    broken += [
        f"group {sorted(g)} holds {len(set(g) & inside)}"
        for g in model.exclusive_groups
        if len(set(g) & inside) > 1
    ]
    if sum((by_id[c].cost for c in inside), Decimal(0)) > model.budget:
        broken.append("over the budget")
    for role, cap in model.capacity.items():
        if sum((by_id[c].demand.get(role, Decimal(0)) for c in inside), Decimal(0)) > cap:
            broken.append(f"over the capacity of {role}")
    return broken


def _value(model: Model, chosen: Collection[str]) -> Decimal:
    by_id = {c.id: c for c in model.components}
    return sum((by_id[c].value for c in chosen), Decimal(0))


class BenchCheckError(AssertionError):
    """A figure that contradicts another (a wrong answer somewhere): the item fails."""


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise BenchCheckError(what)


# --- the greedy heuristic -----------------------------------------------------------------


def greedy(model: Model) -> set[str]:
    """Value per cost, highest first (ties by id), each component with what it needs that is
    not in yet, when the bundle holds nothing forced out, breaks no exclusive group and fits
    the budget and every capacity left; starting from the forced-in ones and their needs."""
    needs = _needs(model)
    forced_out = set(model.forced_out)
    group_of: dict[str, list[frozenset[str]]] = {}
    for g in model.exclusive_groups:
        for cid in g:
            group_of.setdefault(cid, []).append(frozenset(g))
    by_id = {c.id: c for c in model.components}
    chosen = _closure(needs, model.forced_in)
    _require(not violations(model, chosen), "greedy: the forced-in components do not fit")
    cost = sum((by_id[c].cost for c in chosen), Decimal(0))
    used = {
        r: sum((by_id[c].demand.get(r, Decimal(0)) for c in chosen), Decimal(0))
        for r in model.capacity
    }

    def ratio(c: Component) -> Decimal:
        return c.value / c.cost if c.cost else Decimal("Infinity")

    for comp in sorted(model.components, key=lambda c: (-ratio(c), c.id)):
        if comp.id in chosen or comp.id in forced_out:
            continue
        bundle = _closure(needs, {comp.id}) - chosen
        if bundle & forced_out:
            continue
        after = chosen | bundle
        if any(len(g & after) > 1 for cid in bundle for g in group_of.get(cid, ())):
            continue
        extra = sum((by_id[c].cost for c in bundle), Decimal(0))
        if cost + extra > model.budget:
            continue
        more = {
            r: sum((by_id[c].demand.get(r, Decimal(0)) for c in bundle), Decimal(0))
            for r in model.capacity
        }
        if any(used[r] + more[r] > cap for r, cap in model.capacity.items()):
            continue
        chosen = after
        cost += extra
        used = {r: used[r] + more[r] for r in model.capacity}
    _require(not violations(model, chosen), f"greedy broke {violations(model, chosen)}")
    return chosen


# --- the LP relaxation (and one 0/1 solve) from the model's public fields -----------------


def _highs(model: Model, *, integer: bool) -> Any:
    """The model as one HiGHS program over x in [0, 1] (integer: {0, 1}), maximising value."""
    comps = sorted(model.components, key=lambda c: c.id)
    col = {c.id: j for j, c in enumerate(comps)}
    n = len(comps)
    lower, upper = np.zeros(n), np.ones(n)
    for cid in model.forced_in:
        lower[col[cid]] = 1.0
    for cid in model.forced_out:
        upper[col[cid]] = 0.0
    rows: list[tuple[dict[int, float], float]] = [
        ({j: float(c.cost) for j, c in enumerate(comps) if c.cost}, float(model.budget))
    ]
    for role, cap in sorted(model.capacity.items()):
        coefs = {j: float(c.demand.get(role, 0)) for j, c in enumerate(comps)}
        rows.append(({j: v for j, v in coefs.items() if v}, float(cap)))
    rows += [({col[a]: 1.0, col[b]: -1.0}, 0.0) for a, b in model.dependencies if a != b]
    rows += [(dict.fromkeys((col[c] for c in g), 1.0), 1.0) for g in model.exclusive_groups]
    starts: list[int] = []
    index: list[int] = []
    values: list[float] = []
    for coefs, _ in rows:
        starts.append(len(index))
        for j in sorted(coefs):
            index.append(j)
            values.append(coefs[j])
    h = highspy.Highs()  # type: ignore[no-untyped-call]  # untyped __init__
    options = [*HIGHS_OPTIONS, *MIP_OPTIONS] if integer else HIGHS_OPTIONS
    for name, option in options:
        h.setOptionValue(name, option)
    h.addVars(n, lower, upper)
    h.changeColsCost(
        n, np.arange(n, dtype=np.int32), np.array([float(c.value) for c in comps], dtype=float)
    )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addRows(
        len(rows),
        np.full(len(rows), -highspy.kHighsInf),
        np.array([bound for _, bound in rows], dtype=float),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(values, dtype=float),
    )
    if integer:
        kinds = np.full(n, highspy.HighsVarType.kInteger.value, dtype=np.uint8)
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), kinds)
    return h


def _solve(model: Model, *, integer: bool) -> float | None:
    h = _highs(model, integer=integer)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None
    if status != highspy.HighsModelStatus.kOptimal:
        msg = f"HiGHS ended with {h.modelStatusToString(status)}"
        raise BenchCheckError(msg)
    return float(h.getInfo().objective_function_value)


def lp_bound(model: Model) -> float | None:
    """The optimum of the LP relaxation, an upper bound of the exact optimum (None: the
    relaxation is infeasible, so the model is)."""
    return _solve(model, integer=False)


def mip_value(model: Model) -> float | None:
    """The optimum of one 0/1 solve (no tie-break), in floating point (None: infeasible)."""
    return _solve(model, integer=True)


def frontier_budgets(model: Model, points: int) -> list[Decimal]:
    """The budgets `frontier` uses (the model's costs being whole numbers): the sum of costs
    times k / (points - 1) rounded down, k = 0 .. points - 1, and the model's own."""
    total = int(sum((c.cost for c in model.components), Decimal(0)))
    return sorted({Decimal(total * k // (points - 1)) for k in range(points)} | {model.budget})


# --- the measurement ----------------------------------------------------------------------


@dataclass
class _Instance:
    seed: int
    model: Model
    select_s: list[float]
    lp_s: list[float]
    mip_s: list[float]
    selection: Selection | None = None
    lp: float = 0.0
    mip: float = 0.0
    greedy: Decimal = Decimal(0)
    frontier_s: float | None = None
    lp_frontier_s: float | None = None


def _timed(call: Any, *args: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = call(*args)
    return out, time.perf_counter() - t0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:,.1f}x" if b > 0 else "-"


def _measure_instance(one: _Instance, repeats: int, deadline: float, ctx: Context) -> None:
    for r in range(repeats):
        if r and time.monotonic() >= deadline:
            ctx.note(f"portfolio seed {one.seed}: {r} of {repeats} repeats (time cap)")
            break
        sel, t = _timed(select, one.model)
        one.select_s.append(t)
        lp, t = _timed(lp_bound, one.model)
        one.lp_s.append(t)
        mip, t = _timed(mip_value, one.model)
        one.mip_s.append(t)
        _require(lp is not None and mip is not None, f"seed {one.seed}: HiGHS found it infeasible")
        one.lp, one.mip = lp, mip
        _require(
            one.selection is None or sel == one.selection,
            f"seed {one.seed}: select gave another answer at repeat {r + 1}",
        )
        one.selection = sel
    assert one.selection is not None
    sel = one.selection
    broken = violations(one.model, sel.selected)
    _require(not broken, f"seed {one.seed}: select's answer breaks {broken}")
    _require(sel.value == _value(one.model, sel.selected), f"seed {one.seed}: value mismatch")
    tolerance = LP_TOLERANCE * max(1.0, abs(one.lp))
    _require(
        float(sel.value) <= one.lp + tolerance,
        f"seed {one.seed}: exact {sel.value} above its LP bound {one.lp}",
    )
    _require(
        abs(one.mip - float(sel.value)) <= tolerance,
        f"seed {one.seed}: one 0/1 solve gave {one.mip}, select {sel.value}",
    )
    one.greedy = _value(one.model, greedy(one.model))
    _require(
        one.greedy <= sel.value, f"seed {one.seed}: greedy {one.greedy} above exact {sel.value}"
    )


def _measure_frontier(one: _Instance) -> None:
    assert one.selection is not None
    points, one.frontier_s = _timed(frontier, one.model, FRONTIER_POINTS)
    budgets = frontier_budgets(one.model, FRONTIER_POINTS)
    bounds, one.lp_frontier_s = _timed(
        lambda: [lp_bound(replace(one.model, budget=b)) for b in budgets]
    )
    _require(
        [p.budget for p in points] == budgets,
        f"seed {one.seed}: frontier budgets {[str(p.budget) for p in points]}",
    )
    current = [p for p in points if p.current]
    _require(
        len(current) == 1 and current[0].selected == one.selection.selected,
        f"seed {one.seed}: the frontier's current point is not select's answer",
    )
    last = Decimal(-1)
    for point, bound in zip(points, bounds, strict=True):
        if not point.feasible or point.value is None:
            continue  # (an infeasible relaxation implies an infeasible model, not conversely)
        _require(bound is not None, f"seed {one.seed}: LP infeasible at {point.budget}")
        assert bound is not None
        _require(point.value >= last, f"seed {one.seed}: the frontier falls at {point.budget}")
        _require(
            float(point.value) <= bound + LP_TOLERANCE * max(1.0, abs(bound)),
            f"seed {one.seed}: frontier {point.value} above the LP bound {bound} at {point.budget}",
        )
        last = point.value


def measure_portfolio(
    ctx: Context,
    *,
    instances: int = INSTANCES,
    repeats: int = REPEATS,
    frontier_instances: int = FRONTIER_INSTANCES,
    components: int = COMPONENTS,
) -> list[Row]:
    """Item 5: `select` and `frontier` vs the LP relaxation; greedy vs exact vs LP bound."""
    started = time.monotonic()
    deadline = started + min(CAP_SECONDS, ctx.left())  # and never past the run's budget
    ctx.settings["item 5 instances"] = (
        f"{instances} seeded models ({', '.join(map(str, SEEDS[:instances]))}) of {components} "
        f"components, {len(ROLES)} roles (capacity {CAPACITY_SHARE} of the demand), "
        f"{DEPENDENCIES} acyclic dependencies, {GROUPS} exclusive groups of 2-4, {FORCED} forced "
        f"in and {FORCED} out, budget {BUDGET_SHARE} of the costs; values = weights x scores "
        "0-5 on 4 objectives (2 decimals, ties)"
    )
    ctx.settings["item 5 timing"] = (
        f"{repeats} repeats per instance, select / LP / one 0/1 solve taking turns; frontier "
        f"({FRONTIER_POINTS} points) once on the first {frontier_instances} instances; wall "
        f"clock (perf_counter), one thread; HiGHS through highspy "
        f"{metadata.version('highspy')}, numpy {metadata.version('numpy')}; cap {CAP_SECONDS:g} s"
    )
    lp_bound(instance(SEEDS[0], components=components))  # warm-up: imports, first HiGHS
    done: list[_Instance] = []
    for k, seed in enumerate(SEEDS[:instances]):
        if done and time.monotonic() >= deadline:
            ctx.note(f"portfolio: {len(done)} of {instances} instances (time cap)")
            break
        one = _Instance(seed, instance(seed, components=components), [], [], [])
        _measure_instance(one, repeats, deadline, ctx)
        if k < frontier_instances:
            if not k or time.monotonic() < deadline:
                _measure_frontier(one)
            else:
                ctx.note(f"portfolio seed {seed}: frontier skipped (time cap)")
        done.append(one)
        _note_instance(ctx, one)

    select_all = sorted(t for one in done for t in one.select_s)
    lp_all = sorted(t for one in done for t in one.lp_s)
    mip_all = sorted(t for one in done for t in one.mip_s)
    fronts = [one for one in done if one.frontier_s is not None]
    exact = sum(float(one.selection.value) for one in done if one.selection)
    heuristic = sum(float(one.greedy) for one in done)
    bound = sum(one.lp for one in done)
    value_gaps = [
        _gap(float(one.selection.value), float(one.greedy)) for one in done if one.selection
    ]
    lp_gaps = [_gap(one.lp, float(one.selection.value)) for one in done if one.selection]
    size = f"{components} components, {len(ROLES)} roles, {DEPENDENCIES} dependencies"
    p50 = percentile(select_all, 50)
    lp50 = percentile(lp_all, 50)
    rows = [
        Row(
            f"5 · exact selection `select` p50, {size} ({len(done)} instances x {repeats}; "
            f"max {_ms(select_all[-1])}, LP max {_ms(lp_all[-1])}; vs the LP relaxation of "
            "the same model, highspy)",
            _ms(p50),
            _ms(lp50),
            _ratio(p50, lp50),
        ),
        Row(
            f"5 · of which one 0/1 solve (the same model built here with x integer: max value "
            f"once, no tie-break, no reasons; max {_ms(mip_all[-1])}; vs the LP relaxation)",
            _ms(percentile(mip_all, 50)),
            _ms(lp50),
            _ratio(percentile(mip_all, 50), lp50),
        ),
    ]
    if fronts:
        front = sorted(one.frontier_s or 0.0 for one in fronts)
        lp_front = sorted(one.lp_frontier_s or 0.0 for one in fronts)
        rows.append(
            Row(
                f"5 · {FRONTIER_POINTS}-point frontier `frontier` (21 budgets; {len(fronts)} "
                f"instance{'s' if len(fronts) > 1 else ''}, max {_ms(front[-1])}; vs the LP "
                "relaxation at the same budgets)",
                _ms(percentile(front, 50)),
                _ms(percentile(lp_front, 50)),
                _ratio(percentile(front, 50), percentile(lp_front, 50)),
            )
        )
    rows += [
        Row(
            f"5 · value reached by greedy value-per-cost vs exact (sum over {len(done)} "
            f"instances; gap mean {sum(value_gaps) / len(value_gaps):.2f} %, worst "
            f"{max(value_gaps):.2f} %)",
            f"{heuristic:,.2f}",
            f"{exact:,.2f}",
            f"{heuristic / exact:.3f}x" if exact else "-",
            "greedy ≤ exact",
            True,
        ),
        Row(
            f"5 · exact optimum vs its LP bound (integrality gap mean "
            f"{sum(lp_gaps) / len(lp_gaps):.2f} %, worst {max(lp_gaps):.2f} %)",
            f"{exact:,.2f}",
            f"{bound:,.2f}",
            f"{exact / bound:.3f}x" if bound else "-",
            "exact ≤ LP bound",
            True,
        ),
    ]
    return rows


def _gap(better: float, worse: float) -> float:
    """How far `worse` falls below `better`, in % of `better`."""
    return 100 * (better - worse) / better if better else 0.0


def _note_instance(ctx: Context, one: _Instance) -> None:
    assert one.selection is not None
    sel = one.selection
    times = ", ".join(
        f"{name} p50 {_ms(percentile(sorted(ts), 50))} max {_ms(max(ts))}"
        for name, ts in (("select", one.select_s), ("LP", one.lp_s), ("0/1", one.mip_s))
    )
    front = (
        f"; frontier {_ms(one.frontier_s)}, LP at its budgets {_ms(one.lp_frontier_s or 0.0)}"
        if one.frontier_s is not None
        else ""
    )
    binding = ", ".join(s.role or "budget" for s in sel.slacks if s.slack <= s.limit / 100)
    ctx.note(
        f"portfolio seed {one.seed}: {len(sel.selected)} selected, value {sel.value} "
        f"(greedy {one.greedy}, gap {_gap(float(sel.value), float(one.greedy)):.2f} %; LP bound "
        f"{one.lp:.4f}, gap {_gap(one.lp, float(sel.value)):.2f} %), cost {sel.cost} of "
        f"{one.model.budget}; within 1 % of their limit: {binding or 'none'}; {times}{front}"
    )


def main() -> None:
    from bench.run import render

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=INSTANCES)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--frontier-instances", type=int, default=FRONTIER_INSTANCES)
    parser.add_argument("--components", type=int, default=COMPONENTS)
    args = parser.parse_args()
    if not (1 <= args.instances <= INSTANCES and 1 <= args.repeats <= 20):
        parser.error(f"instances 1-{INSTANCES}, repeats 1-20")
    if not (0 <= args.frontier_instances <= args.instances and 80 <= args.components <= 1000):
        parser.error("frontier instances 0-instances, components 80-1000")
    ctx = Context(env={}, token="", work=Path("."), deadline=time.monotonic() + 3600)
    rows = measure_portfolio(
        ctx,
        instances=args.instances,
        repeats=args.repeats,
        frontier_instances=args.frontier_instances,
        components=args.components,
    )
    print(render(rows))
    for key, value in ctx.settings.items():
        print(f"- {key}: {value}")


if __name__ == "__main__":
    main()
