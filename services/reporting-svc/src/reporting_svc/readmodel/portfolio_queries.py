"""Reads of the portfolio tables of the live generation, at a `Cutoff` (business dates up to its
day, recorded by its instant), like `queries` and `program_queries`: one round trip per read,
facts aggregated as JSON (numbers as text, so money, weights and scores stay exact). Which of
them is in force (the latest weighting, budget, cost, score per objective, decision) is the
domain's to fold (`domain.portfolio_rollup.latest`); here only what was known and in effect.

A component counts from the day it was added to the day before it was removed, as known then:
a removal recorded after `known_at`, or dated after the day, has not removed it yet. Of the
adopted selections only the one in force comes back (the latest adopted by the day): an
adoption replaces the one before it whole, frontier and all.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.statements import statement
from reporting_svc.readmodel.program_queries import MEMBERS
from reporting_svc.readmodel.queries import Cutoff

_KNOWN = "occurred_at <= :known"
_REMOVED = "coalesce(c.removed_at <= :known AND c.removed_on <= :day, false)"
_OF_COMPONENT = "x.portfolio_id = c.portfolio_id AND x.component_id = c.component_id"

_COMPONENTS = f"""
  (SELECT coalesce(json_agg(json_build_object('component_id', c.component_id,
          'version', c.version, 'kind', c.kind, 'risk_score', c.risk_score::text,
          'currency', c.currency, 'added_on', c.added_on,
          'costs', (SELECT coalesce(json_agg(json_build_array(x.effective_on, x.version,
                     x.cost::text, x.is_estimate) ORDER BY x.version), '[]')
                   FROM portfolio_costs x WHERE {_OF_COMPONENT}
                   AND x.{_KNOWN} AND x.effective_on <= :day),
          'scores', (SELECT coalesce(json_agg(json_build_array(x.effective_on, x.version,
                     x.objective, x.score::text, x.rationale) ORDER BY x.version), '[]')
                   FROM portfolio_scores x WHERE {_OF_COMPONENT}
                   AND x.{_KNOWN} AND x.effective_on <= :day),
          'decisions', (SELECT coalesce(json_agg(json_build_array(x.decided_on, x.version,
                     x.decision, x.rationale, x.covers, x.decided_by) ORDER BY x.version), '[]')
                   FROM portfolio_decisions x WHERE {_OF_COMPONENT}
                   AND x.{_KNOWN} AND x.decided_on <= :day))
          ORDER BY c.version), '[]')
     FROM portfolio_components c WHERE c.portfolio_id = f.portfolio_id
     AND c.added_at <= :known AND c.added_on <= :day AND NOT {_REMOVED}) AS components"""  # noqa: S608

_PORTFOLIO = f"""
SELECT f.portfolio_id, f.code, f.name, f.manager, f.currency, f.created_on,
  (SELECT coalesce(json_agg(json_build_array(w.effective_on, w.version, w.method, w.weights)
          ORDER BY w.version), '[]')
     FROM portfolio_weights w WHERE w.portfolio_id = f.portfolio_id
     AND w.{_KNOWN} AND w.effective_on <= :day) AS weightings,
  (SELECT coalesce(json_agg(json_build_array(b.effective_on, b.version, b.amount::text)
          ORDER BY b.version), '[]')
     FROM portfolio_budgets b WHERE b.portfolio_id = f.portfolio_id
     AND b.{_KNOWN} AND b.effective_on <= :day) AS budgets,
  (SELECT json_build_object('version', s.version, 'as_of', s.as_of, 'scenario', s.scenario,
          'budget', s.budget::text, 'value', s.value::text, 'cost', s.cost::text,
          'selected', s.selected, 'excluded', s.excluded, 'frontier', s.frontier,
          'adopted_on', s.adopted_on, 'adopted_by', s.adopted_by)
     FROM portfolio_selections s WHERE s.portfolio_id = f.portfolio_id
     AND s.{_KNOWN} AND s.adopted_on <= :day
     ORDER BY s.adopted_on DESC, s.version DESC LIMIT 1) AS selection,
  {_COMPONENTS}
FROM portfolios f
WHERE f.tenant_id = :tenant AND f.created_at <= :known
"""  # noqa: S608 - built from the constant fragments above, never from input


async def portfolio_facts(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    cutoff: Cutoff,
    portfolio_id: UUID | None = None,
    after: tuple[str, UUID] | None = None,
    limit: int | None = None,
) -> Sequence[Any]:
    """The facts of one portfolio (or of the tenant's portfolios, by code, after the
    `(code, id)` of `after`, at most `limit`) as of the cut-off. A portfolio known by then is
    always there, whatever the day; `manager`, who decided and who adopted as stored
    (sealed)."""
    sql = _PORTFOLIO
    params: dict[str, Any] = {"tenant": tenant_id, "day": cutoff.day, "known": cutoff.known_at}
    if portfolio_id is not None:
        sql += " AND f.portfolio_id = :portfolio_id"
        params["portfolio_id"] = portfolio_id
    if after is not None:
        sql += " AND (f.code, f.portfolio_id) > (:after_code, :after_id)"
        params["after_code"], params["after_id"] = after
    sql += " ORDER BY f.code, f.portfolio_id"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    return (await conn.execute(statement(sql), params)).all()


_PROGRAMS = f"""
SELECT g.program_id, g.code, g.name, g.currency,
  {MEMBERS}
FROM programs g
WHERE g.tenant_id = :tenant AND g.proposed_at <= :known
  AND g.program_id = ANY(CAST(:program_ids AS uuid[]))
ORDER BY g.code, g.program_id
"""  # noqa: S608 - built from the constant fragments above, never from input


async def programs(
    conn: AsyncConnection, *, tenant_id: str, cutoff: Cutoff, program_ids: Collection[UUID]
) -> Sequence[Any]:
    """Of the tenant's programs among `program_ids` known by the cut-off: code, name, currency
    and the members at its day (as the program roll-up counts them)."""
    if not program_ids:
        return []
    params = {
        "tenant": tenant_id,
        "day": cutoff.day,
        "known": cutoff.known_at,
        "program_ids": sorted(program_ids),
    }
    return (await conn.execute(text(_PROGRAMS), params)).all()
