"""A portfolio's facts as the read model returns them (`readmodel.portfolio_queries`: JSON
aggregates, numbers as text, each fact with its business date and stream version) turned into
the domain's values, the one in force at the status date picked as portfolio-svc folds them
(`domain.portfolio_rollup.latest`): the weights, the budget, a component's cost, scores and
decision, the adopted selection with its frontier, and which programs and projects a page of
portfolios names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from reporting_svc.application.reports import NOT_OPENED
from reporting_svc.domain import portfolio_rollup as rollup
from reporting_svc.domain.frontier import FrontierPoint
from reporting_svc.domain.portfolio_rollup import Dated
from reporting_svc.readmodel.dates import iso_date

Weights = tuple[tuple[str, Decimal], ...]
"""The objectives weighted, in the order portfolio-svc published them, and their weights."""


def named(rows: Iterable[Any]) -> tuple[set[UUID], set[UUID]]:
    """The program components and the project components the portfolios' rows name."""
    components = [c for row in rows for c in row.components]
    programs = {UUID(c["component_id"]) for c in components if c["kind"] == "program"}
    projects = {UUID(c["component_id"]) for c in components if c["kind"] == "project"}
    return programs, projects


def members(program: Any | None) -> list[UUID]:
    """A program's member projects at the status date (none while reporting does not know
    the program)."""
    return [] if program is None else [UUID(m["project_id"]) for m in program.members]


def weights(row: Any) -> tuple[Weights | None, str | None]:
    """The weights in force and how they were set (direct or ahp); (None, None) before any."""
    entries = [Dated(iso_date(on), int(v), (method, w)) for on, v, method, w in row.weightings]
    found = rollup.latest(entries)
    if found is None:
        return None, None
    method, weighted = found
    return tuple((objective, Decimal(weight)) for objective, weight in weighted), method


def budget(row: Any) -> Decimal | None:
    """The budget in force (None before any)."""
    return rollup.latest(Dated(iso_date(on), int(v), Decimal(a)) for on, v, a in row.budgets)


def cost(component: Mapping[str, Any]) -> tuple[Decimal, bool] | None:
    """A component's cost in force and whether it is an estimate (None: none in force)."""
    return rollup.latest(
        Dated(iso_date(on), int(v), (Decimal(c), bool(e))) for on, v, c, e in component["costs"]
    )


def scores(component: Mapping[str, Any]) -> dict[str, rollup.Score]:
    """A component's score in force on each objective it was scored on."""
    by_objective: dict[str, list[Dated[rollup.Score]]] = {}
    for on, v, objective, score, rationale in component["scores"]:
        dated = Dated(iso_date(on), int(v), rollup.Score(Decimal(score), rationale))
        by_objective.setdefault(objective, []).append(dated)
    return {o: s for o, entries in by_objective.items() if (s := rollup.latest(entries))}


@dataclass(frozen=True, slots=True)
class Decision:
    """A component's decision status at the status date and the decision making it so (none
    while undecided); who decided as opened."""

    status: str
    decided_on: date | None = None
    rationale: str | None = None
    covers: tuple[UUID, ...] = ()
    decided_by: str = NOT_OPENED


def _in_force(component: Mapping[str, Any]) -> list[Any] | None:
    """[decided_on, version, decision, rationale, covers, decided_by] of the latest decision
    (None: undecided)."""
    entries = [Dated(iso_date(d[0]), int(d[1]), d) for d in component["decisions"]]
    found = rollup.latest(entries)
    return None if found is None else list(found)


def decider(component: Mapping[str, Any]) -> Any | None:
    """Who made the decision in force, as stored (sealed); None while undecided."""
    found = _in_force(component)
    return None if found is None else found[5]


def decision(component: Mapping[str, Any], decided_by: str) -> Decision:
    """The decision in force on a component, `decided_by` the person as opened."""
    found = _in_force(component)
    if found is None:
        return Decision(rollup.decision_status(None))
    on, _version, made, rationale, covers, _sealed = found
    return Decision(
        rollup.decision_status(made),
        iso_date(on),
        rationale,
        tuple(UUID(c) for c in covers),
        decided_by,
    )


@dataclass(frozen=True, slots=True)
class SelectionReport:
    """The adopted selection in force at the status date, as adopted (who adopted: opened)."""

    version: int
    as_of: date
    scenario: str | None
    budget: Decimal
    value: Decimal
    cost: Decimal
    selected: tuple[UUID, ...]
    excluded: tuple[UUID, ...]
    frontier: tuple[FrontierPoint, ...]
    adopted_on: date
    adopted_by: str


def _amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def frontier(points: Sequence[Mapping[str, Any]]) -> tuple[FrontierPoint, ...]:
    """The frontier's points as adopted (an infeasible point has no value nor cost)."""
    return tuple(
        FrontierPoint(
            budget=Decimal(p["budget"]),
            feasible=bool(p["feasible"]),
            value=_amount(p.get("value")),
            cost=_amount(p.get("cost")),
            current=bool(p.get("current", False)),
        )
        for p in points
    )


def selection(data: Mapping[str, Any] | None, adopted_by: str) -> SelectionReport | None:
    """The adopted selection in force (None: none adopted by the status date), `adopted_by`
    the person as opened."""
    if data is None:
        return None
    return SelectionReport(
        version=int(data["version"]),
        as_of=iso_date(data["as_of"]),
        scenario=data["scenario"],
        budget=Decimal(data["budget"]),
        value=Decimal(data["value"]),
        cost=Decimal(data["cost"]),
        selected=tuple(UUID(i) for i in data["selected"]),
        excluded=tuple(UUID(i) for i in data["excluded"]),
        frontier=frontier(data["frontier"]),
        adopted_on=iso_date(data["adopted_on"]),
        adopted_by=adopted_by,
    )
