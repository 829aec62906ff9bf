"""The current figures of each project (`project_figures`, `readmodel.figures_ddl`): what the
projection writes of them, and the reads of the list, the overview and the roll-ups.

Writes (the projection, in the transaction of the facts): every project whose facts a batch
changes gets a row to be computed, or has its row marked to be computed again. Both come
after the batch's shared lock on its tenants' figures (`lock_shared`): a computation of a
tenant's rows (`application.figures`) holds the exclusive one, so it never reads facts that a
batch is writing and then stores rows that batch has already marked, nor does a batch's mark
land before the rows it marks are stored.

A row is valid for a read when it was computed for the tenant's today (`valid_on`) by the same
standards and defaults (`rated_key`), and every fact it counts was recorded by the read's
instant (`recorded_through`; a row computed from facts stamped later than now, by a clock
ahead, is not used until then)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.bulk import BulkStatement
from pmo_shared.database.statements import statement
from reporting_svc.readmodel.personal import PersonFilter

INSERT_FIGURES = BulkStatement(
    """INSERT INTO project_figures (project_id, tenant_id) VALUES (:id, :tenant)
       ON CONFLICT DO NOTHING"""
)

_LOCK_KEY = "hashtext('project_figures/' || current_schema() || '/' || t)"

# Shared by every batch writing a tenant's project facts, exclusive while its figures are
# computed; in one order (by tenant), so two batches never wait on each other.
_LOCK_SHARED = f"""
SELECT count(pg_advisory_xact_lock_shared({_LOCK_KEY}))
FROM (SELECT DISTINCT t FROM unnest(CAST(:tenants AS text[])) t ORDER BY t) s
"""  # noqa: S608 - constant

_LOCK_EXCLUSIVE = f"SELECT pg_advisory_xact_lock({_LOCK_KEY}) FROM (SELECT :tenant AS t) s"  # noqa: S608

_MARK_CHANGED = """
UPDATE project_figures SET valid_on = NULL
WHERE project_id = ANY(CAST(:ids AS uuid[])) AND valid_on IS NOT NULL
"""


async def lock_shared(conn: AsyncConnection, tenants: Collection[str]) -> None:
    """Take the shared lock on the figures of `tenants` for the rest of the transaction."""
    await conn.execute(text(_LOCK_SHARED), {"tenants": sorted(tenants)})


async def changed(conn: AsyncConnection, projects: Mapping[UUID, str]) -> None:
    """Mark the figures of `projects` (id: tenant) to be computed again (their facts
    changed): a row each, to be computed (a project just proposed), or its row marked."""
    await INSERT_FIGURES.execute_many(
        conn, [{"id": p, "tenant": t} for p, t in sorted(projects.items())]
    )
    await conn.execute(text(_MARK_CHANGED), {"ids": sorted(projects)})


async def lock_exclusive(conn: AsyncConnection, tenant_id: str) -> None:
    """Take the exclusive lock on the tenant's figures for the rest of the transaction."""
    await conn.execute(text(_LOCK_EXCLUSIVE), {"tenant": tenant_id})


# --- the rows' state and their computation --------------------------------------------------


@dataclass(frozen=True, slots=True)
class State:
    """How far the tenant's rows serve a read: whether some need computing (`stale`), some
    projects have no row yet (`missing`), some count facts recorded after the read's instant
    (`ahead`)."""

    stale: bool
    missing: bool
    ahead: bool

    @property
    def valid(self) -> bool:
        """Every row serves the read."""
        return not (self.stale or self.missing or self.ahead)


# Index probes (`figures_ddl.FIGURES_STATE_INDEXES`), never a scan of the tenant's rows: a row
# is stale when it is to be computed (NULL), was computed for another day, or by another key
# (a computed row has both); `missing` compares two index-only counts.
_STATE = """
SELECT EXISTS (SELECT 1 FROM project_figures WHERE tenant_id = :tenant AND valid_on IS NULL)
    OR EXISTS (SELECT 1 FROM project_figures WHERE tenant_id = :tenant AND valid_on < :today)
    OR EXISTS (SELECT 1 FROM project_figures WHERE tenant_id = :tenant AND valid_on > :today)
    OR EXISTS (SELECT 1 FROM project_figures WHERE tenant_id = :tenant AND valid_on = :today
                 AND (rated_key < :key OR rated_key > :key OR rated_key IS NULL)) AS stale,
       EXISTS (SELECT 1 FROM project_figures WHERE tenant_id = :tenant
                 AND recorded_through > :now) AS ahead,
       (SELECT count(*) FROM projects WHERE tenant_id = :tenant)
         <> (SELECT count(*) FROM project_figures WHERE tenant_id = :tenant) AS missing
"""


async def state(
    conn: AsyncConnection, *, tenant_id: str, today: date, key: str, now: datetime
) -> State:
    """The state of the tenant's rows for a read at `now` on `today` rated by `key`."""
    row = (
        await conn.execute(
            statement(_STATE), {"tenant": tenant_id, "today": today, "key": key, "now": now}
        )
    ).one()
    return State(stale=bool(row.stale), missing=bool(row.missing), ahead=bool(row.ahead))


_ADD_MISSING = """
INSERT INTO project_figures (project_id, tenant_id)
SELECT p.project_id, p.tenant_id FROM projects p
WHERE p.tenant_id = :tenant
  AND NOT EXISTS (SELECT 1 FROM project_figures f WHERE f.project_id = p.project_id)
ON CONFLICT DO NOTHING
"""

_STALE = """
SELECT project_id FROM project_figures
WHERE tenant_id = :tenant
  AND (valid_on IS NULL OR valid_on <> :today OR rated_key IS DISTINCT FROM :key)
ORDER BY project_id LIMIT :limit
"""


async def stale(
    conn: AsyncConnection, *, tenant_id: str, today: date, key: str, limit: int, missing: bool
) -> list[UUID]:
    """Up to `limit` of the tenant's projects whose rows need computing (after giving the
    projects without one a row, when `missing`)."""
    if missing:
        await conn.execute(text(_ADD_MISSING), {"tenant": tenant_id})
    rows = await conn.execute(
        text(_STALE), {"tenant": tenant_id, "today": today, "key": key, "limit": limit}
    )
    return [row[0] for row in rows]


# Every instant a project's report may count, the latest of them.
_RECORDED_THROUGH = """
SELECT p.project_id, greatest(p.proposed_at,
  (SELECT max(s.occurred_at) FROM project_status s WHERE s.project_id = p.project_id),
  (SELECT max(b.occurred_at) FROM baselines b WHERE b.project_id = p.project_id),
  (SELECT max(g.occurred_at) FROM progress g WHERE g.project_id = p.project_id),
  (SELECT max(c.occurred_at) FROM costs c WHERE c.project_id = p.project_id),
  (SELECT max(greatest(m.added_at, m.achieved_at)) FROM milestones m
     WHERE m.project_id = p.project_id),
  (SELECT max(greatest(r.raised_at, r.closed_at)) FROM risks r
     WHERE r.project_id = p.project_id)) AS through
FROM projects p WHERE p.project_id = ANY(CAST(:ids AS uuid[]))
"""


async def recorded_through(
    conn: AsyncConnection, project_ids: Collection[UUID]
) -> dict[UUID, datetime]:
    """The latest instant any fact of each project was recorded at."""
    rows = await conn.execute(text(_RECORDED_THROUGH), {"ids": sorted(project_ids)})
    return {row.project_id: row.through for row in rows}


STORE = BulkStatement(
    """UPDATE project_figures SET valid_on = :valid_on, rated_key = :key,
       recorded_through = :through, code = :code, name = :name, status = :status,
       currency = :currency, health = :health, bac = :bac, pv = :pv, ev = :ev, ac = :ac,
       spi = :spi, cpi = :cpi, report = CAST(:report AS jsonb)
       WHERE project_id = :id"""
)


async def store(
    conn: AsyncConnection, rows: Sequence[dict[str, Any]], *, orphans: Collection[UUID] = ()
) -> None:
    """Write computed rows (`STORE`'s parameters); drop those of `orphans`, projects with no
    facts (an event of a project whose proposal reporting never had: its proposal, should it
    come, makes the row again)."""
    await STORE.execute_many(conn, rows)
    if orphans:
        await conn.execute(
            text("DELETE FROM project_figures WHERE project_id = ANY(CAST(:ids AS uuid[]))"),
            {"ids": sorted(orphans)},
        )


# --- the reads ------------------------------------------------------------------------------

SUMMARY = "f.report - 'progress' - 'costs' #- '{baseline,points}'"
"""A stored report without its point series (the baseline's planned values, progress, costs):
all a list or a roll-up shows, and most of the bytes of a long-running project's report."""

# The report as text, parsed by `application.figures.decode` (orjson: what `encode` wrote,
# numbers as strings, so nothing orjson reads otherwise than `json` does).
_REPORTS = """
SELECT f.project_id, CAST({report} AS text) AS report, p.manager FROM project_figures f
JOIN projects p ON p.project_id = f.project_id
WHERE f.tenant_id = :tenant AND f.project_id = ANY(CAST(:ids AS uuid[]))
"""


async def reports(
    conn: AsyncConnection, *, tenant_id: str, project_ids: Collection[UUID], summary: bool = False
) -> Sequence[Any]:
    """The stored reports of the tenant's projects among `project_ids` (manager as stored);
    each only its `SUMMARY` when `summary`."""
    params = {"tenant": tenant_id, "ids": sorted(project_ids)}
    sql = _REPORTS.format(report=SUMMARY if summary else "f.report")
    return (await conn.execute(statement(sql), params)).all()


SortKey = Literal["code", "name", "status", "bac", "spi", "cpi"]

# Python's order of the fold: by (value is None, value), then the id as text (a uuid's order);
# strings by code point ("C": UTF-8 bytes sort as code points do).
_ORDER: dict[str, str] = {
    "code": 'f.code COLLATE "C" {d}, f.project_id {d}',
    "name": 'f.name COLLATE "C" {d}, f.project_id {d}',
    "status": 'f.status COLLATE "C" {d}, f.project_id {d}',
    "bac": "(f.bac IS NULL) {d}, f.bac {d}, f.project_id {d}",
    "spi": "(f.spi IS NULL) {d}, f.spi {d}, f.project_id {d}",
    "cpi": "(f.cpi IS NULL) {d}, f.cpi {d}, f.project_id {d}",
}


async def page(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    status: str | None,
    health: str | None,
    manager: PersonFilter | None,
    sort: SortKey,
    descending: bool,
    offset: int,
    limit: int,
) -> Sequence[Any]:
    """The rows of the list's page (each report its `SUMMARY`): filtered by status and
    overall health (and manager), sorted, from `offset`, at most `limit`."""
    sql = _REPORTS.format(report=SUMMARY).replace(
        " AND f.project_id = ANY(CAST(:ids AS uuid[]))", ""
    )
    params: dict[str, Any] = {"tenant": tenant_id, "offset": offset, "limit": limit}
    if status is not None:
        sql += " AND f.status = :status"
        params["status"] = status
    if health is not None:
        sql += " AND f.health = :health"
        params["health"] = health
    if manager is not None:
        condition, person = manager.sql("p.manager", "p.manager_ref", prefix="manager")
        sql += f" AND {condition}"
        params.update(person)
    order = _ORDER[sort].format(d="DESC" if descending else "ASC")
    sql += f" ORDER BY {order} OFFSET :offset LIMIT :limit"
    return (await conn.execute(statement(sql), params)).all()


# In the fold's order of first appearance: its projects come by code.
_BY_STATUS = """
SELECT status AS key, count(*) AS n FROM project_figures WHERE tenant_id = :tenant
GROUP BY status ORDER BY min(code)
"""
_BY_HEALTH = """
SELECT coalesce(health, 'unknown') AS key, count(*) AS n FROM project_figures
WHERE tenant_id = :tenant GROUP BY 1 ORDER BY min(code)
"""
# Per currency: the sums of the figures as shown over the projects with a BAC, the AC of the
# others apart, and the sums of their magnitudes (how many digits a running sum may need).
_TOTALS = """
SELECT currency, count(*) AS projects, count(*) FILTER (WHERE bac IS NULL) AS unbaselined,
  sum(bac) AS bac, sum(pv) FILTER (WHERE bac IS NOT NULL) AS pv,
  sum(ev) FILTER (WHERE bac IS NOT NULL) AS ev, sum(ac) FILTER (WHERE bac IS NOT NULL) AS ac,
  sum(ac) FILTER (WHERE bac IS NULL) AS unbaselined_ac,
  greatest(sum(abs(bac)), sum(abs(pv)), sum(abs(ev)), sum(abs(ac))) AS magnitude
FROM project_figures WHERE tenant_id = :tenant GROUP BY currency
"""


@dataclass(frozen=True, slots=True)
class Overview:
    """The overview's counts (in the fold's order) and per-currency sums."""

    by_status: dict[str, int]
    by_health: dict[str, int]
    totals: Sequence[Any]


async def overview(conn: AsyncConnection, *, tenant_id: str) -> Overview:
    """The tenant's projects counted by status and by overall health, and summed per
    currency."""
    params = {"tenant": tenant_id}
    by_status = await conn.execute(text(_BY_STATUS), params)
    by_health = await conn.execute(text(_BY_HEALTH), params)
    totals = await conn.execute(text(_TOTALS), params)
    return Overview(
        {r.key: int(r.n) for r in by_status},
        {r.key: int(r.n) for r in by_health},
        totals.all(),
    )
