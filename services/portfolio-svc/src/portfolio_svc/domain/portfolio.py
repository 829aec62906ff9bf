"""The Portfolio aggregate: strategic objectives with weights, components (programs and large
projects) scored on them, a budget and role capacities, scenarios and decisions; and, from the
state in force on a business date, the ranking and the selection model.

Rules: one currency (a component in another: 422); every command carries its business date,
never before the portfolio's creation nor before the fact it replaces (422), so an earlier
date's ranking never changes. Scores name only weighted objectives (422). A terminated
component takes no further decision (409). That a component exists in the tenant and belongs to
one portfolio at most is the application's check, as are roles.

In the selection model, an approved component is forced in and a terminated one forced out (by
the decision in force on `as_of`); a component whose need is not in the portfolio on `as_of` is
forced out; exclusive groups keep only their members present on `as_of`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pmo_shared.domain.errors import InvalidTransitionError, InvalidValueError
from pmo_shared.domain.values import check_amount, minor_unit
from portfolio_svc.domain import events as ev
from portfolio_svc.domain import ranking as rk
from portfolio_svc.domain import selection
from portfolio_svc.domain.errors import (
    BackdatedFactError,
    ComponentExistsError,
    NothingInForceError,
    PortfolioCurrencyMismatchError,
    UnknownComponentError,
    UnknownObjectiveError,
    UnknownScenarioError,
)
from portfolio_svc.domain.portfolio_state import ComponentFacts, PortfolioState, Timeline
from portfolio_svc.domain.weights import Entry, ahp_weights, direct_weights


class Portfolio(PortfolioState):
    """A portfolio: its commands check the rules, then record events."""

    @classmethod
    def create(
        cls, portfolio_id: UUID, *, code: str, name: str, manager: str, currency: str, on: date
    ) -> Portfolio:
        """Create a portfolio in one ISO 4217 currency that has a minor unit."""
        minor_unit(currency)
        portfolio = cls(portfolio_id)
        portfolio.record(
            ev.PortfolioCreated(
                portfolio_id=portfolio_id,
                code=code,
                name=name,
                manager=manager,
                currency=currency,
                created_on=on,
            )
        )
        return portfolio

    # -- weights -------------------------------------------------------------------------
    def weigh_objectives(self, weights: Mapping[str, Decimal], *, on: date) -> None:
        """Set the objectives' weights directly (normalised to sum 1) from `on`."""
        self._not_before(on, self.weighting, "a weighting")
        self.record(
            ev.ObjectivesWeighted(weights=direct_weights(weights), method="direct", effective_on=on)
        )

    def weigh_objectives_by_ahp(
        self, objectives: Sequence[str], matrix: Sequence[Sequence[Entry]], *, on: date
    ) -> None:
        """Derive the weights from an AHP pairwise matrix (CR above 0.10: 422) from `on`."""
        self._not_before(on, self.weighting, "a weighting")
        result = ahp_weights(objectives, matrix)
        self.record(
            ev.ObjectivesWeighted(
                weights=result.weights,
                method="ahp",
                matrix=[[str(x) for x in row] for row in matrix],
                cr=result.cr,
                effective_on=on,
            )
        )

    # -- components ----------------------------------------------------------------------
    def add_component(
        self,
        component_id: UUID,
        *,
        kind: str,
        cost: Decimal,
        cost_is_estimate: bool = False,
        risk_score: Decimal = Decimal(0),
        demand: Mapping[str, Decimal] | None = None,
        currency: str,
        on: date,
    ) -> None:
        """Take a program or project (in the portfolio's currency) as a component from `on`."""
        self._dated(on, "a component's addition")
        if component_id in self.components:
            raise ComponentExistsError(str(component_id))
        if currency != self.currency:
            raise PortfolioCurrencyMismatchError(
                component_id=str(component_id), component_currency=currency, currency=self.currency
            )
        self.record(
            ev.ComponentAdded(
                component_id=component_id,
                kind=kind,
                cost=self._money(cost, "a component's cost"),
                cost_is_estimate=cost_is_estimate,
                risk_score=risk_score,
                demand=dict(demand or {}),
                currency=currency,
                effective_on=on,
            )
        )

    def change_cost(
        self, component_id: UUID, *, cost: Decimal, cost_is_estimate: bool = False, on: date
    ) -> None:
        """Change a component's cost (or estimate) from `on`."""
        facts = self._component(component_id, on)
        self._not_before(on, facts.cost, "a cost change")
        self.record(
            ev.ComponentCostChanged(
                component_id=component_id,
                cost=self._money(cost, "a component's cost"),
                cost_is_estimate=cost_is_estimate,
                effective_on=on,
            )
        )

    def score(
        self, component_id: UUID, *, objective: str, score: Decimal, rationale: str, on: date
    ) -> None:
        """Score a component 0..5 on a weighted objective, with the rationale, from `on`."""
        facts = self._component(component_id, on)
        rk.Score(score, rationale)  # 0..5, finite (422)
        latest = self.weighting.entries[-1][1].weights if self.weighting.entries else {}
        if objective not in latest:
            raise UnknownObjectiveError(objective)
        self._not_before(on, facts.scores.get(objective, Timeline()), "a score")
        self.record(
            ev.ComponentScored(
                component_id=component_id,
                objective=objective,
                score=score,
                rationale=rationale,
                effective_on=on,
            )
        )

    def remove_component(self, component_id: UUID, *, reason: str = "", on: date) -> None:
        """Remove a component from `on` (it stays in earlier dates' rankings)."""
        facts = self._component(component_id, on)
        if on < facts.added_on:
            raise BackdatedFactError(
                what="a removal", on=on.isoformat(), earliest=facts.added_on.isoformat()
            )
        self.record(ev.ComponentRemoved(component_id=component_id, reason=reason, effective_on=on))

    def declare_dependency(self, component_id: UUID, *, needs: UUID, on: date) -> None:
        """Declare that a component needs another from `on`."""
        self._component(component_id, on)
        self._component(needs, on)
        if component_id == needs:
            raise InvalidValueError("a component cannot need itself")
        self.record(ev.DependencyDeclared(component_id=component_id, needs=needs, effective_on=on))

    def declare_exclusive_group(self, name: str, components: Iterable[UUID], *, on: date) -> None:
        """Declare that at most one of `components` may be selected, from `on`."""
        members = list(dict.fromkeys(components))
        if len(members) < 2:
            raise InvalidValueError("an exclusive group needs at least 2 components")
        for cid in members:
            self._component(cid, on)
        self.record(ev.ExclusiveGroupDeclared(name=name, components=members, effective_on=on))

    # -- budget, capacities, scenarios, decisions -------------------------------------------
    def set_budget(self, amount: Decimal, *, on: date) -> None:
        """The budget from `on`."""
        self._not_before(on, self.budget, "a budget")
        self.record(ev.BudgetSet(amount=self._money(amount, "the budget"), effective_on=on))

    def set_capacity(self, role: str, amount: Decimal, *, on: date) -> None:
        """One role's capacity from `on`."""
        self._not_before(on, self.capacity.get(role, Timeline()), "a capacity")
        self.record(ev.CapacitySet(role=role, amount=amount, effective_on=on))

    def save_scenario(
        self,
        name: str,
        *,
        budget: Decimal | None = None,
        capacities: Mapping[str, Decimal] | None = None,
        weights: Mapping[str, Decimal] | None = None,
        forced_in: Iterable[UUID] = (),
        forced_out: Iterable[UUID] = (),
        on: date,
    ) -> None:
        """Save a named what-if from `on` (weights normalised; forced components must be in the
        portfolio on `on`)."""
        self._not_before(on, self.scenarios.get(name, Timeline()), "a scenario")
        forced_in, forced_out = list(dict.fromkeys(forced_in)), list(dict.fromkeys(forced_out))
        for cid in (*forced_in, *forced_out):
            self._component(cid, on)
        self.record(
            ev.ScenarioSaved(
                name=name,
                budget=None if budget is None else self._money(budget, "a scenario's budget"),
                capacities=dict(capacities or {}),
                weights=None if weights is None else direct_weights(weights),
                forced_in=forced_in,
                forced_out=forced_out,
                effective_on=on,
            )
        )

    def decide(
        self,
        component_id: UUID,
        *,
        decision: str,
        rationale: str,
        by: str,
        on: date,
        covers: Iterable[UUID] = (),
    ) -> None:
        """Approve (fund), defer or terminate a component, saying why (`covers`: a program's
        member projects, which the decision covers)."""
        facts = self._component(component_id, on)
        if not rationale.strip():
            raise InvalidValueError("the rationale of a decision may not be blank")
        self._not_before(on, facts.decisions, "a decision")
        last = facts.decisions.at(on)
        if last is not None and last.decision == "terminate":
            raise InvalidTransitionError(
                action=decision, current_state="terminated", allowed_from=("approved", "deferred")
            )
        self.record(
            ev.DecisionRecorded(
                component_id=component_id,
                kind=facts.kind,
                covers=sorted(set(covers), key=str) if facts.kind == "program" else [],
                decision=decision,
                rationale=rationale,
                decided_on=on,
                decided_by=by,
            )
        )

    def adopt_selection(
        self, *, as_of: date, scenario: str | None = None, points: int, by: str, on: date
    ) -> selection.Selection:
        """Adopt the optimal selection on `as_of` (under `scenario` if named) as the current
        one, recording it with a frontier of `points` budgets around it."""
        self._not_before(on, self.adopted, "an adopted selection")
        if as_of > on:
            raise InvalidValueError(
                f"a selection adopted on {on.isoformat()} cannot be the one of a later date "
                f"({as_of.isoformat()})"
            )
        model = self.selection_model(as_of=as_of, scenario=scenario)
        chosen = selection.select(model)
        curve = selection.frontier(model, points)
        self.record(
            ev.SelectionAdopted(
                as_of=as_of,
                scenario=scenario,
                budget=model.budget,
                value=chosen.value,
                cost=chosen.cost,
                selected=[UUID(cid) for cid in chosen.selected],
                excluded=sorted(
                    (UUID(c.id) for c in model.components if c.id not in chosen.selected),
                    key=str,
                ),
                frontier=[
                    ev.AdoptedFrontierPoint(
                        budget=p.budget,
                        feasible=p.feasible,
                        value=p.value,
                        cost=p.cost,
                        current=p.current,
                    )
                    for p in curve
                ],
                adopted_on=on,
                adopted_by=by,
            )
        )
        return chosen

    # -- queries in business time ----------------------------------------------------------
    def weights_at(self, as_of: date) -> dict[str, Decimal]:
        """The weights in force on `as_of` (409 when none)."""
        weighting = self.weighting.at(as_of)
        if weighting is None:
            raise NothingInForceError("objective weights", on=as_of.isoformat())
        return dict(weighting.weights)

    def present_at(self, as_of: date) -> dict[UUID, ComponentFacts]:
        """The components in the portfolio on `as_of`."""
        return {cid: f for cid, f in self.components.items() if f.present(as_of)}

    def ranking(
        self, *, as_of: date, weights: Mapping[str, Decimal] | None = None
    ) -> list[rk.Ranked[UUID]]:
        """The components on `as_of` ranked by Σ weight x score, from the weights and scores in
        force then (`weights`: instead of those). A component lacking a score: 422."""
        in_force = dict(weights) if weights is not None else self.weights_at(as_of)
        scores: dict[UUID, dict[str, rk.Score]] = {}
        for cid, facts in self.present_at(as_of).items():
            scores[cid] = {}
            for objective in in_force:
                entry = facts.scores.get(objective, Timeline()).at(as_of)
                if entry is not None:
                    scores[cid][objective] = rk.Score(entry.value, entry.rationale)
        return rk.rank(in_force, scores)

    def selection_model(self, *, as_of: date, scenario: str | None = None) -> selection.Model:
        """The selection model on `as_of` (ids as strings), under a saved scenario if named."""
        what_if = None
        if scenario is not None:
            what_if = self.scenarios.get(scenario, Timeline()).at(as_of)
            if what_if is None:
                raise UnknownScenarioError(scenario, on=as_of.isoformat())
        budget = what_if.budget if what_if is not None else None
        if budget is None:
            budget = self.budget.at(as_of)
        if budget is None:
            raise NothingInForceError("budget", on=as_of.isoformat())
        capacity: dict[str, Decimal] = {}
        for role, timeline in self.capacity.items():
            amount = timeline.at(as_of)
            if amount is not None:
                capacity[role] = amount
        if what_if is not None:
            capacity.update(what_if.capacities)
        weights = what_if.weights if what_if is not None else None
        values = {r.component_id: r.value for r in self.ranking(as_of=as_of, weights=weights)}

        present = self.present_at(as_of)
        forced_in: set[UUID] = set(what_if.forced_in) if what_if is not None else set()
        forced_out: set[UUID] = set(what_if.forced_out) if what_if is not None else set()
        for cid, facts in present.items():
            decision = facts.decisions.at(as_of)
            if decision is not None and decision.decision == "approve":
                forced_in.add(cid)
            elif decision is not None and decision.decision == "terminate":
                forced_out.add(cid)
        dependencies: list[tuple[str, str]] = []
        for on, cid, needs in self.dependencies:
            if on > as_of or cid not in present:
                continue
            if needs in present:
                dependencies.append((str(cid), str(needs)))
            else:
                forced_out.add(cid)  # what it needs is no longer in the portfolio
        groups = [
            [str(c) for c in sorted(members, key=str) if c in present]
            for on, _name, members in self.exclusive_groups
            if on <= as_of
        ]
        components = []
        for cid, facts in sorted(present.items(), key=lambda item: str(item[0])):
            cost = facts.cost.at(as_of)
            assert cost is not None  # an addition records the first cost
            components.append(
                selection.Component(str(cid), cost.amount, values[cid], dict(facts.demand))
            )
        return selection.Model(
            components=components,
            budget=budget,
            capacity=capacity,
            forced_in=frozenset(str(c) for c in forced_in if c in present),
            forced_out=frozenset(str(c) for c in forced_out if c in present),
            dependencies=dependencies,
            exclusive_groups=[g for g in groups if len(g) > 1],
        )

    def select(self, *, as_of: date, scenario: str | None = None) -> selection.Selection:
        """The optimal selection on `as_of` (under a scenario if named)."""
        return selection.select(self.selection_model(as_of=as_of, scenario=scenario))

    # -- guards --------------------------------------------------------------------------
    def _dated(self, on: date, what: str) -> None:
        if self.created_on is not None and on < self.created_on:
            raise BackdatedFactError(
                what=what, on=on.isoformat(), earliest=self.created_on.isoformat()
            )

    def _not_before(self, on: date, timeline: Timeline[Any], what: str) -> None:
        self._dated(on, what)
        last = timeline.last_on
        if last is not None and on < last:
            raise BackdatedFactError(what=what, on=on.isoformat(), earliest=last.isoformat())

    def _component(self, component_id: UUID, on: date) -> ComponentFacts:
        facts = self.components.get(component_id)
        if facts is None or not facts.present(on):
            raise UnknownComponentError(str(component_id), on=on.isoformat())
        return facts

    def _money(self, amount: Decimal, what: str) -> Decimal:
        amount = check_amount(amount, self.currency, what=what)
        if amount < 0:
            raise InvalidValueError(f"{what} may not be negative, not {amount}")
        return amount
