"""The budget-constrained selection of a portfolio's components, solved exactly as a 0/1 program
with HiGHS, and its efficient frontier; pure functions and values, no I/O.

The program: maximise sum(value_i * x_i), x_i in {0, 1}, subject to
- the budget: sum(cost_i * x_i) <= budget;
- each role's capacity: sum(demand_i[role] * x_i) <= capacity[role] (a role without a capacity
  is not limited: its demands are ignored);
- forced in (x_i = 1) and forced out (x_i = 0);
- dependencies: `a` needs `b`, x_a <= x_b (a cycle just means all or none of it);
- mutually exclusive groups: sum over the group of x_i <= 1.

Exactness. Costs and the budget are Decimals, converted to integers at one scale (10 to the
largest number of decimal places among them), values to integers at their own scale, and each
role's demands and capacity at theirs; the solver sees only integers, all sums below 2**53 (a
model whose figures are larger or more precise than that is refused), so its arithmetic on them
is exact and two optima of equal value are exactly equal. HiGHS runs with `mip_rel_gap` 0 (and
the default absolute gap of 1e-6, below the objective's integer step), one thread, a fixed
`random_seed` and no output; every answer it gives is rounded to 0/1 and checked again in exact
integer arithmetic.

Tie-break (so equal-value optima come out the same every time): among the selections of the
greatest value, the one of the lowest cost; among those, the one that holds the first component
id (in sorted order) in which they differ -- the lexicographically greatest 0/1 vector over the
sorted ids, "prefer ids in order". It is computed by successive exact solves on one program:
(1) maximise value, giving V*; (2) add value >= V*, minimise cost, giving C*; (3) add
cost <= C*, then for each id in sorted order fix x_id = 1 if some selection still satisfies
everything (the incumbent already holding it proves it without a solve), else x_id = 0. Two
things keep (3) to a few solves: one solve first asks whether any optimum holds an id the
incumbent lacks (usually none: then the incumbent is the answer), and the ids are settled in
blocks of `TIE_BREAK_BLOCK` per solve, by power-of-two weights (`_lexicographic`).

Why each component is in or out (`Reason`): a selected one is `forced_in` if the model forces
it, else `selected`. An excluded one is `forced_out` if the model forces it out. Otherwise we
ask, exactly and without the solver, whether the model could select it at all: forcing it in
with the model's forced-in components, does the set they form with everything they need
(transitively) break a constraint? The first broken one, in the order dependency (it needs a
forced-out component: `needs` names that one), exclusive group (`group` and the `chosen`
member, the selected one in it, if any), budget, capacity (roles in sorted order), is the
reason. If it could be selected, the reason is the first of these that holds against the
optimal selection S: it shares an exclusive group with a selected component (`chosen`); its
cost does not fit in the budget left by S; its demand does not fit in a role's capacity left by
S; it needs a component S does not hold (`needs`: the first such direct need); and failing all
of those, `excluded_by_tie_break` (S plus it and its needs would be feasible and, S being
optimal, of no greater value: a tie-break chose S).

Slack: for the budget and each role with a capacity, the limit, what the selection uses and the
difference (0: binding).

The frontier: the optimum (with the same tie-break and the same constraints but the budget) for
`points` evenly spaced budgets from 0 to the sum of all costs (the i-th is the sum times
i / (points - 1), rounded down to the cost scale; duplicates dropped), plus the model's own
budget if it is not one of them, which is marked `current`. A budget too small for the
forced-in components gives a point with `feasible` False and no value.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext
from typing import Any

import highspy
import numpy as np

from portfolio_svc.domain.errors import InfeasibleSelectionError, InvalidSelectionModelError

MAX_EXACT = 2**53
"""Every sum the solver forms stays below this, so its floating-point arithmetic is exact."""

MAX_FRONTIER_POINTS = 201
"""A frontier has at most this many evenly spaced budgets (each costs a few exact solves)."""

TIE_BREAK_BLOCK = 16
"""The tie-break settles this many ids per exact solve (weights 2**15 .. 1)."""

RANDOM_SEED = 20240601
"""HiGHS's `random_seed`: fixed, so the solver's path (not only its answer) is repeatable."""


# --- the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """A candidate for the portfolio: its cost (money), its value, and its demand per role
    (hours or units, in the same units as that role's capacity)."""

    id: str
    cost: Decimal
    value: Decimal
    demand: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Model:
    """What to choose from and under which constraints. `dependencies` are pairs (a, b): a needs
    b; `exclusive_groups` are sets of ids of which at most one is selected."""

    components: Sequence[Component]
    budget: Decimal
    capacity: Mapping[str, Decimal] = field(default_factory=dict)
    forced_in: Collection[str] = frozenset()
    forced_out: Collection[str] = frozenset()
    dependencies: Collection[tuple[str, str]] = ()
    exclusive_groups: Collection[Collection[str]] = ()


# --- the answer -----------------------------------------------------------------------------


class ReasonKind(enum.StrEnum):
    """Why a component is in or out of the selection."""

    SELECTED = "selected"
    FORCED_IN = "forced_in"
    FORCED_OUT = "forced_out"
    EXCLUDED_BY_BUDGET = "excluded_by_budget"
    EXCLUDED_BY_CAPACITY = "excluded_by_capacity"
    EXCLUDED_BY_DEPENDENCY = "excluded_by_dependency"
    EXCLUDED_BY_EXCLUSIVE_GROUP = "excluded_by_exclusive_group"
    EXCLUDED_BY_TIE_BREAK = "excluded_by_tie_break"


@dataclass(frozen=True)
class Reason:
    """A reason, with the role (capacity), the id needed (dependency), or the group and its
    chosen member (exclusive group) it names."""

    kind: ReasonKind
    role: str | None = None
    needs: str | None = None
    group: tuple[str, ...] | None = None
    chosen: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The reason as JSON: its kind and the details it has."""
        out: dict[str, Any] = {"kind": self.kind.value}
        if self.role is not None:
            out["role"] = self.role
        if self.needs is not None:
            out["needs"] = self.needs
        if self.group is not None:
            out["group"] = list(self.group)
        if self.chosen is not None:
            out["chosen"] = self.chosen
        return out


@dataclass(frozen=True)
class Slack:
    """A constraint's limit, what the selection uses of it and what is left (`role` None: the
    budget)."""

    constraint: str
    role: str | None
    limit: Decimal
    used: Decimal
    slack: Decimal

    @property
    def binding(self) -> bool:
        """Whether the selection uses all of it."""
        return self.slack == 0

    def as_dict(self) -> dict[str, Any]:
        """The slack as JSON, decimals as strings."""
        out: dict[str, Any] = {"constraint": self.constraint}
        if self.role is not None:
            out["role"] = self.role
        out.update(limit=str(self.limit), used=str(self.used), slack=str(self.slack))
        out["binding"] = self.binding
        return out


@dataclass(frozen=True)
class Selection:
    """The optimal selection (ids sorted), its value and cost, why each component is in or out,
    and the slack of the budget and of each role's capacity (roles sorted)."""

    selected: tuple[str, ...]
    value: Decimal
    cost: Decimal
    reasons: Mapping[str, Reason]
    slacks: tuple[Slack, ...]

    def as_dict(self) -> dict[str, Any]:
        """The selection as JSON, decimals as strings, reasons by component id (sorted)."""
        return {
            "selected": list(self.selected),
            "value": str(self.value),
            "cost": str(self.cost),
            "reasons": {cid: self.reasons[cid].as_dict() for cid in sorted(self.reasons)},
            "slacks": [s.as_dict() for s in self.slacks],
        }


@dataclass(frozen=True)
class FrontierPoint:
    """The optimum at one budget (`feasible` False: the forced-in components do not fit it);
    `current` marks the model's own budget."""

    budget: Decimal
    feasible: bool
    value: Decimal | None
    cost: Decimal | None
    selected: tuple[str, ...]
    current: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The point as JSON, decimals as strings (null when infeasible)."""
        return {
            "budget": str(self.budget),
            "feasible": self.feasible,
            "value": None if self.value is None else str(self.value),
            "cost": None if self.cost is None else str(self.cost),
            "selected": list(self.selected),
            "current": self.current,
        }


# --- the exact problem ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    """The model in canonical order (ids sorted) and in integers; `*_dec` keep the Decimals."""

    ids: tuple[str, ...]
    cost: tuple[int, ...]
    value: tuple[int, ...]
    cost_exp: int
    budget: int
    budget_dec: Decimal
    roles: tuple[str, ...]
    demand: Mapping[str, tuple[int, ...]]
    capacity: Mapping[str, int]
    role_exp: Mapping[str, int]
    capacity_dec: Mapping[str, Decimal]
    forced_in: frozenset[int]
    forced_out: frozenset[int]
    dependencies: tuple[tuple[int, int], ...]
    needs: tuple[tuple[int, ...], ...]
    groups: tuple[tuple[int, ...], ...]
    cost_dec: tuple[Decimal, ...]
    value_dec: tuple[Decimal, ...]
    demand_dec: Mapping[str, tuple[Decimal, ...]]


def _decimal(raw: object, *, what: str, field_name: str, component_id: str | None) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (Decimal, int)):
        raise InvalidSelectionModelError(
            f"{what} must be a decimal, got {raw!r}", field=field_name, component_id=component_id
        )
    number = Decimal(raw)
    if not number.is_finite() or number < 0:
        raise InvalidSelectionModelError(
            f"{what} must be a finite decimal of at least 0, got {raw}",
            field=field_name,
            component_id=component_id,
        )
    return number


def _scale(numbers: Iterable[Decimal]) -> int:
    exponents = [int(n.as_tuple().exponent) for n in numbers]
    return max([0, *(-e for e in exponents)])


def _to_int(number: Decimal, exp: int) -> int:
    with localcontext() as ctx:
        ctx.prec = 200
        return int(number.scaleb(exp))


def _from_int(number: int, exp: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 200
        return Decimal(number).scaleb(-exp)


def _check_exact(total: int, *, what: str, field_name: str) -> None:
    if total >= MAX_EXACT:
        raise InvalidSelectionModelError(
            f"the {what} are too large or too precise to solve exactly (their sum at their "
            f"finest decimal place must stay below 2**53)",
            field=field_name,
        )


def _known(ids: Mapping[str, int], raw: object, *, field_name: str) -> int:
    if not isinstance(raw, str) or raw not in ids:
        raise InvalidSelectionModelError(
            f"{field_name} names {raw!r}, which is not a component of the model",
            field=field_name,
            component_id=raw if isinstance(raw, str) else None,
        )
    return ids[raw]


def _normalise(model: Model) -> _Problem:
    """Validate the model and put it in canonical order and in exact integers."""
    by_id: dict[str, Component] = {}
    for comp in model.components:
        if not isinstance(comp.id, str) or not comp.id:
            raise InvalidSelectionModelError(
                f"a component id must be a non-empty string, got {comp.id!r}", field="components"
            )
        if comp.id in by_id:
            raise InvalidSelectionModelError(
                f"component {comp.id} appears twice", field="components", component_id=comp.id
            )
        by_id[comp.id] = comp
    ids = tuple(sorted(by_id))
    index = {cid: i for i, cid in enumerate(ids)}
    comps = [by_id[cid] for cid in ids]

    cost_dec = tuple(
        _decimal(c.cost, what=f"the cost of {c.id}", field_name="cost", component_id=c.id)
        for c in comps
    )
    value_dec = tuple(
        _decimal(c.value, what=f"the value of {c.id}", field_name="value", component_id=c.id)
        for c in comps
    )
    budget_dec = _decimal(model.budget, what="the budget", field_name="budget", component_id=None)
    cost_exp = _scale([*cost_dec, budget_dec])
    cost = tuple(_to_int(c, cost_exp) for c in cost_dec)
    _check_exact(sum(cost), what="costs", field_name="cost")
    value_exp = _scale(value_dec)
    value = tuple(_to_int(v, value_exp) for v in value_dec)
    _check_exact(sum(value), what="values", field_name="value")

    roles = tuple(sorted(model.capacity))
    demand: dict[str, tuple[int, ...]] = {}
    demand_dec: dict[str, tuple[Decimal, ...]] = {}
    capacity: dict[str, int] = {}
    capacity_dec: dict[str, Decimal] = {}
    role_exp: dict[str, int] = {}
    for c in comps:
        for role, amount in c.demand.items():
            what = f"the demand of {c.id} for {role}"
            _decimal(amount, what=what, field_name="demand", component_id=c.id)
    for role in roles:
        if not isinstance(role, str) or not role:
            raise InvalidSelectionModelError(
                f"a role must be a non-empty string, got {role!r}", field="capacity"
            )
        what = f"the capacity of {role}"
        cap = _decimal(model.capacity[role], what=what, field_name="capacity", component_id=None)
        dem = tuple(Decimal(c.demand.get(role, Decimal(0))) for c in comps)
        exp = _scale([*dem, cap])
        demand[role] = tuple(_to_int(d, exp) for d in dem)
        _check_exact(sum(demand[role]), what=f"demands for {role}", field_name="demand")
        demand_dec[role] = dem
        capacity[role] = _to_int(cap, exp)
        capacity_dec[role] = cap
        role_exp[role] = exp

    forced_in = frozenset(_known(index, cid, field_name="forced_in") for cid in model.forced_in)
    forced_out = frozenset(_known(index, cid, field_name="forced_out") for cid in model.forced_out)
    deps: set[tuple[int, int]] = set()
    for pair in model.dependencies:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise InvalidSelectionModelError(
                f"a dependency is a pair (a, b): a needs b, got {pair!r}", field="dependencies"
            )
        a = _known(index, pair[0], field_name="dependencies")
        b = _known(index, pair[1], field_name="dependencies")
        if a != b:
            deps.add((a, b))
    dependencies = tuple(sorted(deps))
    needs = tuple(tuple(b for a, b in dependencies if a == i) for i in range(len(ids)))
    groups = tuple(
        sorted(
            {
                tuple(sorted({_known(index, cid, field_name="exclusive_groups") for cid in g}))
                for g in model.exclusive_groups
            }
        )
    )
    return _Problem(
        ids=ids,
        cost=cost,
        value=value,
        cost_exp=cost_exp,
        budget=_to_int(budget_dec, cost_exp),
        budget_dec=budget_dec,
        roles=roles,
        demand=demand,
        capacity=capacity,
        role_exp=role_exp,
        capacity_dec=capacity_dec,
        forced_in=forced_in,
        forced_out=forced_out,
        dependencies=dependencies,
        needs=needs,
        groups=groups,
        cost_dec=cost_dec,
        value_dec=value_dec,
        demand_dec=demand_dec,
    )


def _closure(problem: _Problem, start: Iterable[int]) -> set[int]:
    """The components in `start` and everything they need, transitively."""
    seen = set(start)
    todo = sorted(seen)
    while todo:
        for b in problem.needs[todo.pop()]:
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def _feasible(problem: _Problem, chosen: Collection[int]) -> bool:
    """Whether a set of components satisfies every constraint, in exact integers."""
    return (
        problem.forced_in <= set(chosen)
        and not problem.forced_out & set(chosen)
        and all(b in chosen for a, b in problem.dependencies if a in chosen)
        and all(sum(1 for i in g if i in chosen) <= 1 for g in problem.groups)
        and sum(problem.cost[i] for i in chosen) <= problem.budget
        and all(
            sum(problem.demand[r][i] for i in chosen) <= problem.capacity[r] for r in problem.roles
        )
    )


# --- infeasibility --------------------------------------------------------------------------


def _conflict(problem: _Problem, forced: Collection[int]) -> InfeasibleSelectionError | None:
    """The first constraint that the components `forced` in, with all they need, break, or
    None. Exact and complete: if none is broken, selecting exactly that set is feasible (every
    figure is at least 0), so the model is."""
    ids = problem.ids
    both = sorted(set(forced) & problem.forced_out)
    if both:
        names = [ids[i] for i in both]
        return InfeasibleSelectionError(
            f"component(s) {', '.join(names)} are both forced in and forced out",
            constraint="forced",
            components=names,
        )
    needed = _closure(problem, forced)
    for a, b in problem.dependencies:
        if a in needed and b in problem.forced_out:
            return InfeasibleSelectionError(
                f"{ids[a]} needs {ids[b]}, which is forced out, and {ids[a]} is forced in or "
                "needed by a forced-in component",
                constraint="dependency",
                components=[ids[a], ids[b]],
            )
    for g in problem.groups:
        inside = [ids[i] for i in g if i in needed]
        if len(inside) > 1:
            return InfeasibleSelectionError(
                f"{' and '.join(inside)} are forced in (or needed by forced-in components) "
                f"but share the exclusive group {{{', '.join(ids[i] for i in g)}}}",
                constraint="exclusive_group",
                components=inside,
            )
    names = [ids[i] for i in sorted(needed)]
    cost = sum(problem.cost[i] for i in needed)
    if cost > problem.budget:
        required = _from_int(cost, problem.cost_exp)
        return InfeasibleSelectionError(
            f"the forced-in components and what they need ({', '.join(names)}) cost "
            f"{required}, over the budget of {problem.budget_dec}",
            constraint="budget",
            components=names,
            required=str(required),
            limit=str(problem.budget_dec),
        )
    for role in problem.roles:
        used = sum(problem.demand[role][i] for i in needed)
        if used > problem.capacity[role]:
            required = _from_int(used, problem.role_exp[role])
            return InfeasibleSelectionError(
                f"the forced-in components and what they need ({', '.join(names)}) demand "
                f"{required} of {role}, over its capacity of {problem.capacity_dec[role]}",
                constraint="capacity",
                components=names,
                role=role,
                required=str(required),
                limit=str(problem.capacity_dec[role]),
            )
    return None


# --- the solver -----------------------------------------------------------------------------


class _Program:
    """A 0/1 program over binary columns in one HiGHS instance: the typed face of highspy."""

    def __init__(self, columns: int) -> None:
        self._n = columns
        self._highs = highspy.Highs()  # type: ignore[no-untyped-call]  # untyped __init__
        for name, option in (
            ("output_flag", False),
            ("threads", 1),
            ("random_seed", RANDOM_SEED),
            ("mip_rel_gap", 0.0),
            ("mip_feasibility_tolerance", 1e-9),
        ):
            self._highs.setOptionValue(name, option)
        if columns:
            cols = np.arange(columns, dtype=np.int32)
            self._highs.addVars(columns, np.zeros(columns), np.ones(columns))
            kinds = np.full(columns, highspy.HighsVarType.kInteger.value, dtype=np.uint8)
            self._highs.changeColsIntegrality(columns, cols, kinds)

    def add_row(self, coefs: Mapping[int, int], *, lower: float, upper: float) -> None:
        """Add lower <= sum(coef * x_col) <= upper (math.inf for no bound)."""
        entries = sorted((col, c) for col, c in coefs.items() if c)
        if not entries:
            return
        lo = -highspy.kHighsInf if lower == float("-inf") else lower
        hi = highspy.kHighsInf if upper == float("inf") else upper
        self._highs.addRow(
            lo,
            hi,
            len(entries),
            np.array([col for col, _ in entries], dtype=np.int32),
            np.array([float(c) for _, c in entries], dtype=np.float64),
        )

    def fix(self, col: int, value: int) -> None:
        """Fix x_col to 0 or 1."""
        self._highs.changeColBounds(col, float(value), float(value))

    def solve(self, objective: Sequence[int], *, maximise: bool) -> list[int] | None:
        """The 0/1 values of an optimal solution, or None if there is none."""
        if not self._n:
            return []
        self._highs.changeColsCost(
            self._n,
            np.arange(self._n, dtype=np.int32),
            np.array([float(c) for c in objective], dtype=np.float64),
        )
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        self._highs.changeObjectiveSense(sense)
        self._highs.run()
        status = self._highs.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            msg = f"HiGHS ended with {self._highs.modelStatusToString(status)}"
            raise RuntimeError(msg)
        return [1 if x > 0.5 else 0 for x in self._highs.getSolution().col_value]


def _build(problem: _Problem) -> _Program:
    n = len(problem.ids)
    program = _Program(n)
    inf = float("inf")
    total = sum(problem.cost)
    program.add_row(dict(enumerate(problem.cost)), lower=-inf, upper=min(problem.budget, total))
    for role in problem.roles:
        demand = problem.demand[role]
        program.add_row(
            dict(enumerate(demand)), lower=-inf, upper=min(problem.capacity[role], sum(demand))
        )
    for a, b in problem.dependencies:
        program.add_row({a: 1, b: -1}, lower=-inf, upper=0)
    for g in problem.groups:
        if len(g) > 1:
            program.add_row(dict.fromkeys(g, 1), lower=-inf, upper=1)
    for i in problem.forced_in:
        program.fix(i, 1)
    for i in problem.forced_out:
        program.fix(i, 0)
    return program


def _checked(problem: _Problem, x: list[int] | None) -> set[int]:
    if x is None:
        msg = "HiGHS found no solution where the exact model has one"
        raise RuntimeError(msg)
    chosen = {i for i, v in enumerate(x) if v}
    if not _feasible(problem, chosen):
        msg = "HiGHS returned a solution that breaks the exact model"
        raise RuntimeError(msg)
    return chosen


def _indicator(n: int, cols: Iterable[int]) -> list[int]:
    out = [0] * n
    for col in cols:
        out[col] = 1
    return out


def _lexicographic(
    problem: _Problem, program: _Program, undecided: Sequence[int], chosen: set[int]
) -> set[int]:
    """Fix each undecided id in order to 1 if some selection still satisfies everything, else
    to 0 (the lexicographically greatest 0/1 vector). A leading id the incumbent holds is fixed
    without a solve; otherwise the next `TIE_BREAK_BLOCK` ids are settled by one solve that
    maximises sum(2**(k-1-j) * x_j) over them: each weight exceeds all later ones together, so
    its optimum is the lexicographically greatest choice of the block, exactly what fixing them
    one by one gives (the weights stay below 2**16, far inside the solver's exact range)."""
    pos = 0
    while pos < len(undecided):
        while pos < len(undecided) and undecided[pos] in chosen:
            program.fix(undecided[pos], 1)
            pos += 1
        block = undecided[pos : pos + TIE_BREAK_BLOCK]
        if not block:
            break
        weights = [0] * len(problem.ids)
        for k, col in enumerate(block):
            weights[col] = 1 << (len(block) - 1 - k)
        chosen = _checked(problem, program.solve(weights, maximise=True))
        for col in block:
            program.fix(col, 1 if col in chosen else 0)
        pos += len(block)
    return chosen


def _optimum(problem: _Problem) -> frozenset[int] | None:
    """The optimal selection under the documented tie-break, or None if there is none."""
    if _conflict(problem, problem.forced_in) is not None:
        return None
    n = len(problem.ids)
    program = _build(problem)
    inf = float("inf")
    chosen = _checked(problem, program.solve(problem.value, maximise=True))
    best_value = sum(problem.value[i] for i in chosen)
    program.add_row(dict(enumerate(problem.value)), lower=best_value - 0.5, upper=inf)
    chosen = _checked(problem, program.solve(problem.cost, maximise=False))
    if sum(problem.value[i] for i in chosen) != best_value:
        msg = "HiGHS lost the optimal value while minimising cost"
        raise RuntimeError(msg)
    best_cost = sum(problem.cost[i] for i in chosen)
    program.add_row(dict(enumerate(problem.cost)), lower=-inf, upper=best_cost + 0.5)
    undecided = [i for i in range(n) if i not in problem.forced_in | problem.forced_out]
    outside = [i for i in undecided if i not in chosen]
    if outside:
        # One solve settles the common case: no optimum holds any id the incumbent lacks, so
        # the incumbent is the greatest of them all (every other one is a subset of it).
        spread = _checked(problem, program.solve(_indicator(n, outside), maximise=True))
        if not spread & set(outside):
            return frozenset(chosen)
    chosen = _lexicographic(problem, program, undecided, chosen)
    if (
        sum(problem.value[i] for i in chosen) != best_value
        or sum(problem.cost[i] for i in chosen) != best_cost
    ):
        msg = "HiGHS lost the optimum while applying the tie-break"
        raise RuntimeError(msg)
    return frozenset(chosen)


# --- reasons and slack ----------------------------------------------------------------------


def _reason(problem: _Problem, i: int, chosen: frozenset[int]) -> Reason:
    ids = problem.ids
    if i in chosen:
        return Reason(ReasonKind.FORCED_IN if i in problem.forced_in else ReasonKind.SELECTED)
    if i in problem.forced_out:
        return Reason(ReasonKind.FORCED_OUT)
    conflict = _conflict(problem, problem.forced_in | {i})
    if conflict is not None:
        if conflict.constraint == "dependency":
            return Reason(ReasonKind.EXCLUDED_BY_DEPENDENCY, needs=conflict.components[-1])
        if conflict.constraint == "exclusive_group":
            group = next(
                g for g in problem.groups if sum(1 for m in g if ids[m] in conflict.components) > 1
            )
            held = [ids[m] for m in group if m in chosen]
            return Reason(
                ReasonKind.EXCLUDED_BY_EXCLUSIVE_GROUP,
                group=tuple(ids[m] for m in group),
                chosen=held[0] if held else None,
            )
        if conflict.constraint == "budget":
            return Reason(ReasonKind.EXCLUDED_BY_BUDGET)
        return Reason(ReasonKind.EXCLUDED_BY_CAPACITY, role=conflict.role)
    for g in problem.groups:
        if i in g:
            selected = [m for m in g if m in chosen]
            if selected:
                return Reason(
                    ReasonKind.EXCLUDED_BY_EXCLUSIVE_GROUP,
                    group=tuple(ids[m] for m in g),
                    chosen=ids[selected[0]],
                )
    if sum(problem.cost[m] for m in chosen) + problem.cost[i] > problem.budget:
        return Reason(ReasonKind.EXCLUDED_BY_BUDGET)
    for role in problem.roles:
        demand = problem.demand[role]
        if sum(demand[m] for m in chosen) + demand[i] > problem.capacity[role]:
            return Reason(ReasonKind.EXCLUDED_BY_CAPACITY, role=role)
    missing = [b for b in problem.needs[i] if b not in chosen]
    if missing:
        return Reason(ReasonKind.EXCLUDED_BY_DEPENDENCY, needs=ids[min(missing)])
    return Reason(ReasonKind.EXCLUDED_BY_TIE_BREAK)


def _slacks(problem: _Problem, chosen: frozenset[int]) -> tuple[Slack, ...]:
    used = sum((problem.cost_dec[i] for i in chosen), Decimal(0))
    out = [Slack("budget", None, problem.budget_dec, used, problem.budget_dec - used)]
    for role in problem.roles:
        cap = problem.capacity_dec[role]
        used = sum((problem.demand_dec[role][i] for i in chosen), Decimal(0))
        out.append(Slack("capacity", role, cap, used, cap - used))
    return tuple(out)


# --- the public functions -------------------------------------------------------------------


def select(model: Model) -> Selection:
    """The exact optimal selection of the model under the documented tie-break, with why each
    component is in or out and the slack of each constraint. Refuses a model that is not one
    (`InvalidSelectionModelError`) or that nothing satisfies (`InfeasibleSelectionError`,
    naming the constraint), both 422."""
    problem = _normalise(model)
    conflict = _conflict(problem, problem.forced_in)
    if conflict is not None:
        raise conflict
    chosen = _optimum(problem)
    if chosen is None:  # pragma: no cover -- _conflict is complete
        msg = "no selection although no constraint conflicts"
        raise RuntimeError(msg)
    return Selection(
        selected=tuple(problem.ids[i] for i in sorted(chosen)),
        value=sum((problem.value_dec[i] for i in chosen), Decimal(0)),
        cost=sum((problem.cost_dec[i] for i in chosen), Decimal(0)),
        reasons={cid: _reason(problem, i, chosen) for i, cid in enumerate(problem.ids)},
        slacks=_slacks(problem, chosen),
    )


def frontier(model: Model, points: int) -> list[FrontierPoint]:
    """The optimum for `points` evenly spaced budgets from 0 to the sum of all costs, and for
    the model's own budget (marked `current`), in budget order. Refuses what `select` refuses,
    and fewer than 2 or more than `MAX_FRONTIER_POINTS` points (422)."""
    if (
        isinstance(points, bool)
        or not isinstance(points, int)
        or not 2 <= points <= MAX_FRONTIER_POINTS
    ):
        raise InvalidSelectionModelError(
            f"a frontier has from 2 to {MAX_FRONTIER_POINTS} points, got {points!r}",
            field="points",
        )
    problem = _normalise(model)
    conflict = _conflict(problem, problem.forced_in)
    if conflict is not None:
        raise conflict
    total = sum(problem.cost)
    budgets = {total * k // (points - 1) for k in range(points)} | {problem.budget}
    out: list[FrontierPoint] = []
    for budget in sorted(budgets):
        at = replace(problem, budget=budget, budget_dec=_from_int(budget, problem.cost_exp))
        chosen = _optimum(at)
        current = budget == problem.budget
        shown = problem.budget_dec if current else at.budget_dec
        if chosen is None:
            out.append(FrontierPoint(shown, False, None, None, (), current))
            continue
        out.append(
            FrontierPoint(
                budget=shown,
                feasible=True,
                value=sum((problem.value_dec[i] for i in chosen), Decimal(0)),
                cost=sum((problem.cost_dec[i] for i in chosen), Decimal(0)),
                selected=tuple(problem.ids[i] for i in sorted(chosen)),
                current=current,
            )
        )
    return out
