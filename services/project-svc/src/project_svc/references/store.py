"""The reference tables `pmo_standards` and `portfolio_decisions`: what the application reads
(always within one tenant, on a business date), and what the projection loads and writes.

Every function runs on the caller's connection, inside the caller's transaction. The reads
answer as `PortfolioRefs.standards_on` and `decision_on` do: the set dated last on or before
the date; the decision decided last on or before it (ties: the one recorded last).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Row, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from project_svc.references.model import DecisionRef, PortfolioRefs, StandardsSet

_STANDARDS = """SELECT tenant_id, effective_on, large_project_threshold,
    portfolio_approval_threshold, required_gates, time_zone, stream_version, recorded_at
    FROM pmo_standards"""
_DECISIONS = """SELECT tenant_id, project_id, event_id, portfolio_id, stream_version,
    component_id, kind, decision, decided_on, recorded_at FROM portfolio_decisions"""
_JSON = {"large_project_threshold": JSONB, "portfolio_approval_threshold": JSONB}

_STANDARDS_ON = text(
    _STANDARDS + " WHERE tenant_id = :tenant AND effective_on <= :on"
    " ORDER BY effective_on DESC LIMIT 1"
).columns(**_JSON)
_DECISION_ON = text(
    _DECISIONS + " WHERE tenant_id = :tenant AND project_id = :project AND decided_on <= :on"
    " ORDER BY decided_on DESC, recorded_at DESC, stream_version DESC, event_id DESC LIMIT 1"
)
_LOCK_STANDARDS = text(
    """SELECT s.tenant_id, s.effective_on, s.large_project_threshold,
        s.portfolio_approval_threshold, s.required_gates, s.time_zone, s.stream_version,
        s.recorded_at
    FROM pmo_standards s
    JOIN unnest(CAST(:tenants AS text[]), CAST(:dates AS date[])) AS k(tenant_id, effective_on)
        USING (tenant_id, effective_on)
    ORDER BY s.tenant_id, s.effective_on FOR UPDATE OF s"""
).columns(**_JSON)
# The tenant of every project and portfolio among the ids, as project-svc knows them: its own
# projects, and what earlier decisions named.
_OWNERS = text(
    """SELECT project_id AS id, tenant_id FROM projects WHERE project_id = ANY(CAST(:ids AS uuid[]))
    UNION SELECT portfolio_id, tenant_id FROM portfolio_decisions
        WHERE portfolio_id = ANY(CAST(:ids AS uuid[]))
    UNION SELECT project_id, tenant_id FROM portfolio_decisions
        WHERE project_id = ANY(CAST(:ids AS uuid[]))"""
)
# A set is only ever replaced by one of a later stream version (the fold guarantees it; the
# WHERE makes the table itself refuse to go back).
_UPSERT_STANDARDS = text(
    """INSERT INTO pmo_standards (tenant_id, effective_on, large_project_threshold,
        portfolio_approval_threshold, required_gates, time_zone, stream_version, recorded_at)
    VALUES (:tenant_id, :effective_on, CAST(:large AS jsonb), CAST(:approval AS jsonb),
        CAST(:gates AS text[]), :time_zone, :stream_version, :recorded_at)
    ON CONFLICT (tenant_id, effective_on) DO UPDATE SET
        large_project_threshold = excluded.large_project_threshold,
        portfolio_approval_threshold = excluded.portfolio_approval_threshold,
        required_gates = excluded.required_gates,
        time_zone = excluded.time_zone,
        stream_version = excluded.stream_version,
        recorded_at = excluded.recorded_at
    WHERE pmo_standards.stream_version < excluded.stream_version"""
)
_INSERT_DECISIONS = text(
    """INSERT INTO portfolio_decisions (tenant_id, project_id, event_id, portfolio_id,
        stream_version, component_id, kind, decision, decided_on, recorded_at)
    VALUES (:tenant_id, :project_id, :event_id, :portfolio_id, :stream_version, :component_id,
        :kind, :decision, :decided_on, :recorded_at)
    ON CONFLICT (project_id, portfolio_id, stream_version) DO NOTHING"""
)


async def read_standards_on(
    conn: AsyncConnection, *, tenant_id: str, on: date
) -> StandardsSet | None:
    """The tenant's standards set in force on `on`; None before its first (or without any)."""
    row = (await conn.execute(_STANDARDS_ON, {"tenant": tenant_id, "on": on})).first()
    return _standards(row) if row is not None else None


async def read_decision_on(
    conn: AsyncConnection, *, tenant_id: str, project_id: UUID, on: date
) -> DecisionRef | None:
    """The latest portfolio decision in force on `on` for the tenant's project (None: none)."""
    params = {"tenant": tenant_id, "project": project_id, "on": on}
    row = (await conn.execute(_DECISION_ON, params)).first()
    return _decision(row) if row is not None else None


async def lock_refs(
    conn: AsyncConnection,
    *,
    standards_keys: Collection[tuple[str, date]],
    named: Collection[UUID],
) -> PortfolioRefs:
    """The stored sets under `standards_keys` (locked until the transaction ends), and the
    tenant of each project or portfolio among `named` that is known: what the projection
    folds a batch onto."""
    standards: dict[tuple[str, date], StandardsSet] = {}
    if standards_keys:
        keys = sorted(standards_keys)
        params = {"tenants": [t for t, _ in keys], "dates": [d for _, d in keys]}
        for row in await conn.execute(_LOCK_STANDARDS, params):
            found = _standards(row)
            standards[(found.tenant_id, found.effective_on)] = found
    owners: dict[UUID, str] = {}
    if named:
        rows = await conn.execute(_OWNERS, {"ids": sorted(named)})
        owners = {row.id: row.tenant_id for row in rows}
    return PortfolioRefs(standards=standards, owners=owners)


async def write_refs(
    conn: AsyncConnection,
    *,
    standards: Iterable[StandardsSet],
    decisions: Iterable[DecisionRef],
) -> None:
    """Insert or replace sets (a stored one only by one of a later stream version), and insert
    decisions not stored yet (a version of a portfolio's stream is stored once a project)."""
    sets = [_standards_params(s) for s in standards]
    if sets:
        await conn.execute(_UPSERT_STANDARDS, sets)
    made = [_decision_params(d) for d in decisions]
    if made:
        await conn.execute(_INSERT_DECISIONS, made)


def _amounts(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    return {currency: Decimal(str(amount)) for currency, amount in raw.items()}


def _standards(row: Row[Any]) -> StandardsSet:
    return StandardsSet(
        tenant_id=row.tenant_id,
        effective_on=row.effective_on,
        large_project_threshold=_amounts(row.large_project_threshold),
        portfolio_approval_threshold=_amounts(row.portfolio_approval_threshold),
        required_gates=tuple(row.required_gates),
        time_zone=row.time_zone,
        stream_version=row.stream_version,
        recorded_at=row.recorded_at,
    )


def _standards_params(s: StandardsSet) -> dict[str, Any]:
    return {
        "tenant_id": s.tenant_id,
        "effective_on": s.effective_on,
        "large": json.dumps({c: str(a) for c, a in s.large_project_threshold.items()}),
        "approval": json.dumps({c: str(a) for c, a in s.portfolio_approval_threshold.items()}),
        "gates": list(s.required_gates),
        "time_zone": s.time_zone,
        "stream_version": s.stream_version,
        "recorded_at": s.recorded_at,
    }


def _decision(row: Row[Any]) -> DecisionRef:
    return DecisionRef(
        tenant_id=row.tenant_id,
        project_id=row.project_id,
        event_id=row.event_id,
        portfolio_id=row.portfolio_id,
        stream_version=row.stream_version,
        component_id=row.component_id,
        kind=row.kind,
        decision=row.decision,
        decided_on=row.decided_on,
        recorded_at=row.recorded_at,
    )


def _decision_params(d: DecisionRef) -> dict[str, Any]:
    return {
        "tenant_id": d.tenant_id,
        "project_id": d.project_id,
        "event_id": d.event_id,
        "portfolio_id": d.portfolio_id,
        "stream_version": d.stream_version,
        "component_id": d.component_id,
        "kind": d.kind,
        "decision": d.decision,
        "decided_on": d.decided_on,
        "recorded_at": d.recorded_at,
    }
