"""The writes of portfolio events: the portfolio, its objectives' weightings, its components
(added, removed) with their costs and scores, its budgets, the decisions on its components and
its adopted selections. The portfolio's stream id is the portfolio id.

Every statement is an insert of a fact keyed by the portfolio's stream version, or an update
that applies once (a component's removal); so the bulk flush of `projection` holds here too.
Nothing waits for a program's or a project's own events: those come on other topics, in no
order with these, and the reports join them at query time. Personal values (the manager, who
decided, who adopted a selection) are kept as published: `personal`. Capacities, dependencies,
exclusive groups and scenarios are the selection's inputs, which the roll-up does not show: the
projection passes over them."""

from __future__ import annotations

import json
from typing import Any

from pmo_shared.database.bulk import BulkStatement
from pmo_shared.domain.events import EventEnvelope
from reporting_svc import portfolio_events as fev
from reporting_svc.readmodel import personal
from reporting_svc.readmodel.rows import Rows

INSERT_PORTFOLIO = BulkStatement(
    """INSERT INTO portfolios (portfolio_id, tenant_id, code, name, manager, manager_ref,
       currency, created_on, created_at)
       VALUES (:id, :tenant, :code, :name, CAST(:manager AS jsonb), :manager_ref, :currency,
       :on, :at) ON CONFLICT DO NOTHING"""
)
INSERT_WEIGHTS = BulkStatement(
    """INSERT INTO portfolio_weights (portfolio_id, version, weights, method, effective_on,
       occurred_at) VALUES (:id, :v, CAST(:weights AS jsonb), :method, :on, :at)
       ON CONFLICT DO NOTHING"""
)
INSERT_COMPONENT = BulkStatement(
    """INSERT INTO portfolio_components (portfolio_id, version, component_id, kind, risk_score,
       currency, added_on, added_at)
       VALUES (:id, :v, :cid, :kind, :risk, :currency, :on, :at) ON CONFLICT DO NOTHING"""
)
INSERT_COST = BulkStatement(
    """INSERT INTO portfolio_costs (portfolio_id, version, component_id, cost, is_estimate,
       effective_on, occurred_at) VALUES (:id, :v, :cid, :cost, :estimate, :on, :at)
       ON CONFLICT DO NOTHING"""
)
INSERT_SCORE = BulkStatement(
    """INSERT INTO portfolio_scores (portfolio_id, version, component_id, objective, score,
       rationale, effective_on, occurred_at)
       VALUES (:id, :v, :cid, :objective, :score, :rationale, :on, :at) ON CONFLICT DO NOTHING"""
)
INSERT_BUDGET = BulkStatement(
    """INSERT INTO portfolio_budgets (portfolio_id, version, amount, effective_on, occurred_at)
       VALUES (:id, :v, :amount, :on, :at) ON CONFLICT DO NOTHING"""
)
INSERT_DECISION = BulkStatement(
    """INSERT INTO portfolio_decisions (portfolio_id, version, component_id, kind, decision,
       covers, rationale, decided_on, decided_by, decided_by_ref, occurred_at)
       VALUES (:id, :v, :cid, :kind, :decision, CAST(:covers AS jsonb), :rationale, :on,
       CAST(:by AS jsonb), :by_ref, :at) ON CONFLICT DO NOTHING"""
)
INSERT_SELECTION = BulkStatement(
    """INSERT INTO portfolio_selections (portfolio_id, version, as_of, scenario, budget, value,
       cost, selected, excluded, frontier, adopted_on, adopted_by, adopted_by_ref, occurred_at)
       VALUES (:id, :v, :as_of, :scenario, :budget, :value, :cost, CAST(:selected AS jsonb),
       CAST(:excluded AS jsonb), CAST(:frontier AS jsonb), :on, CAST(:by AS jsonb), :by_ref,
       :at) ON CONFLICT DO NOTHING"""
)
# A removal ends the component's row added before it: applied once, whatever the batch.
UPDATE_COMPONENT_REMOVED = BulkStatement(
    """UPDATE portfolio_components SET removed_version = :v, removed_on = :on, removed_at = :at
       WHERE portfolio_id = :id AND component_id = :cid AND removed_version IS NULL
       AND version < :v"""
)

INSERTS: tuple[BulkStatement, ...] = (
    INSERT_PORTFOLIO,
    INSERT_WEIGHTS,
    INSERT_COMPONENT,
    INSERT_COST,
    INSERT_SCORE,
    INSERT_BUDGET,
    INSERT_DECISION,
    INSERT_SELECTION,
)
UPDATES: tuple[BulkStatement, ...] = (UPDATE_COMPONENT_REMOVED,)


def _common(env: EventEnvelope) -> dict[str, Any]:
    return {"id": env.stream_id, "v": env.stream_version, "at": env.occurred_at}


def _ids(ids: list[Any]) -> str:
    return json.dumps([str(i) for i in ids])


def created(env: EventEnvelope, e: fev.PortfolioCreated) -> Rows:
    row = {
        **_common(env),
        "tenant": env.tenant_id,
        "code": e.code,
        "name": e.name,
        "manager": personal.column(e.manager),
        "manager_ref": personal.pseudonym(e.manager),
        "currency": e.currency,
        "on": e.created_on,
    }
    return [(INSERT_PORTFOLIO, row)]


def weighted(env: EventEnvelope, e: fev.ObjectivesWeighted) -> Rows:
    weights = json.dumps([[objective, str(weight)] for objective, weight in e.weights.items()])
    row = {**_common(env), "weights": weights, "method": e.method, "on": e.effective_on}
    return [(INSERT_WEIGHTS, row)]


def component_added(env: EventEnvelope, e: fev.ComponentAdded) -> Rows:
    common = {**_common(env), "cid": e.component_id, "on": e.effective_on}
    component = {**common, "kind": e.kind, "risk": e.risk_score, "currency": e.currency}
    cost = {**common, "cost": e.cost, "estimate": e.cost_is_estimate}
    return [(INSERT_COMPONENT, component), (INSERT_COST, cost)]


def cost_changed(env: EventEnvelope, e: fev.ComponentCostChanged) -> Rows:
    row = {
        **_common(env),
        "cid": e.component_id,
        "cost": e.cost,
        "estimate": e.cost_is_estimate,
        "on": e.effective_on,
    }
    return [(INSERT_COST, row)]


def scored(env: EventEnvelope, e: fev.ComponentScored) -> Rows:
    row = {
        **_common(env),
        "cid": e.component_id,
        "objective": e.objective,
        "score": e.score,
        "rationale": e.rationale,
        "on": e.effective_on,
    }
    return [(INSERT_SCORE, row)]


def component_removed(env: EventEnvelope, e: fev.ComponentRemoved) -> Rows:
    row = {**_common(env), "cid": e.component_id, "on": e.effective_on}
    return [(UPDATE_COMPONENT_REMOVED, row)]


def budget_set(env: EventEnvelope, e: fev.BudgetSet) -> Rows:
    return [(INSERT_BUDGET, {**_common(env), "amount": e.amount, "on": e.effective_on})]


def decision_recorded(env: EventEnvelope, e: fev.DecisionRecorded) -> Rows:
    row = {
        **_common(env),
        "cid": e.component_id,
        "kind": e.kind,
        "decision": e.decision,
        "covers": _ids(e.covers),
        "rationale": e.rationale,
        "on": e.decided_on,
        "by": personal.column(e.decided_by),
        "by_ref": personal.pseudonym(e.decided_by),
    }
    return [(INSERT_DECISION, row)]


def selection_adopted(env: EventEnvelope, e: fev.SelectionAdopted) -> Rows:
    frontier = [p.model_dump(mode="json") for p in e.frontier]
    row = {
        **_common(env),
        "as_of": e.as_of,
        "scenario": e.scenario,
        "budget": e.budget,
        "value": e.value,
        "cost": e.cost,
        "selected": _ids(e.selected),
        "excluded": _ids(e.excluded),
        "frontier": json.dumps(frontier),
        "on": e.adopted_on,
        "by": personal.column(e.adopted_by),
        "by_ref": personal.pseudonym(e.adopted_by),
    }
    return [(INSERT_SELECTION, row)]
