"""What the acknowledged commands left behind: each write service's event store and reporting's
read model (its project, lesson, program and portfolio tables), compared with the driver's
acknowledgements; the read model compared with a rebuild."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from reporting_svc.readmodel.ddl import CONTENT_TABLES

from .resilience_load import Ack, expected_amount

PROJECTION = "project-reports"


@asynccontextmanager
async def engine_of(url: str, schema: str) -> AsyncIterator[AsyncEngine]:
    """A small engine on one schema of the fault stack's database."""
    engine = create_engine_for(url, schema=schema, pool_size=1)
    try:
        yield engine
    finally:
        await engine.dispose()


@dataclass(frozen=True, slots=True)
class Tally:
    """How the acknowledged commands show up somewhere: missing ones, extra ones, ones that
    are there more than once, and ones whose content differs."""

    missing: int
    extra: int
    doubled: int
    differing: int

    @property
    def exact(self) -> bool:
        """Every acknowledged command there exactly once with its content, nothing else."""
        return self.missing == self.extra == self.doubled == self.differing == 0


def _tally(expected: dict[Any, tuple[Any, ...]], found: list[tuple[Any, ...]]) -> Tally:
    """`found` rows are (key, *content); a key is an id, or a tuple of ids."""
    seen = Counter(row[0] for row in found)
    content = {row[0]: tuple(row[1:]) for row in found}
    return Tally(
        missing=sum(1 for k in expected if k not in seen),
        extra=sum(1 for k in seen if k not in expected),
        doubled=sum(1 for n in seen.values() if n > 1),
        differing=sum(1 for k, c in expected.items() if k in content and content[k] != c),
    )


Expected = dict[Any, tuple[Any, ...]]


def expected_projects(acks: list[Ack]) -> Expected:
    """project id → (code, name) of the acknowledged proposals."""
    return {a.created: (a.body["code"], a.body["name"]) for a in acks if a.kind == "project"}


def expected_lessons(acks: list[Ack]) -> Expected:
    """lesson id → (project id, what happened) of the acknowledged lessons."""
    return {a.created: (a.project_id, a.body["what_happened"]) for a in acks if a.kind == "lesson"}


def expected_programs(acks: list[Ack]) -> Expected:
    """program id → (code, name) of the acknowledged program proposals."""
    return {a.created: (a.body["code"], a.body["name"]) for a in acks if a.kind == "program"}


def expected_members(acks: list[Ack]) -> Expected:
    """(program id, project id) of each acknowledged member, with no content."""
    return {(a.target, a.created): () for a in acks if a.kind == "member"}


def expected_pools(acks: list[Ack]) -> Expected:
    """program id → (amount,) of the acknowledged pools set (one per program)."""
    return {a.created: (expected_amount(a),) for a in acks if a.kind == "funding"}


def expected_portfolios(acks: list[Ack]) -> Expected:
    """portfolio id → (code, name) of the acknowledged portfolios."""
    return {a.created: (a.body["code"], a.body["name"]) for a in acks if a.kind == "portfolio"}


def expected_weights(acks: list[Ack]) -> Expected:
    """portfolio id → ((objective, weight), ...) of the acknowledged weights (one each)."""
    return {a.created: (_weights(a.body["weights"].items()),) for a in acks if a.kind == "weights"}


def expected_components(acks: list[Ack]) -> Expected:
    """(portfolio id, project id) → (kind,) of each acknowledged component."""
    return {(a.target, a.created): (a.body["kind"],) for a in acks if a.kind == "component"}


def _weights(pairs: Any) -> tuple[Any, ...]:
    return tuple(sorted((str(objective), Decimal(str(w))) for objective, w in pairs))


_STORE = (
    "SELECT event_type, stream_id, payload FROM events WHERE tenant_id = :t"
    " AND event_type = ANY(:types)"
)


async def _events(
    database_url: str, schema: str, tenant: str, types: list[str]
) -> dict[str, list[Any]]:
    """The tenant's events of `types` in one service's event store, by type."""
    async with engine_of(database_url, schema) as engine, engine.connect() as conn:
        rows = (await conn.execute(text(_STORE), {"t": tenant, "types": types})).all()
    found: dict[str, list[Any]] = {t: [] for t in types}
    for row in rows:
        found[row.event_type].append(row)
    return found


async def store_tally(database_url: str, tenant: str, acks: list[Ack]) -> dict[str, Tally]:
    """The tenant's events of the acknowledged commands in each service's event store:
    project-svc's ProjectProposed and LessonLearned, program-svc's ProgramProposed,
    MemberProjectAdded and FundingPoolSet, portfolio-svc's PortfolioCreated,
    ObjectivesWeighted and ComponentAdded."""
    project = await _events(database_url, "project", tenant, ["ProjectProposed", "LessonLearned"])
    program = await _events(
        database_url, "program", tenant, ["ProgramProposed", "MemberProjectAdded", "FundingPoolSet"]
    )
    portfolio = await _events(
        database_url,
        "portfolio",
        tenant,
        ["PortfolioCreated", "ObjectivesWeighted", "ComponentAdded"],
    )
    return {
        "store projects": _tally(
            expected_projects(acks),
            [
                (r.stream_id, r.payload["code"], r.payload["name"])
                for r in project["ProjectProposed"]
            ],
        ),
        "store lessons": _tally(
            expected_lessons(acks),
            [
                (uuid.UUID(r.payload["lesson_id"]), r.stream_id, r.payload["what_happened"])
                for r in project["LessonLearned"]
            ],
        ),
        "store programs": _tally(
            expected_programs(acks),
            [
                (r.stream_id, r.payload["code"], r.payload["name"])
                for r in program["ProgramProposed"]
            ],
        ),
        "store members": _tally(
            expected_members(acks),
            [
                ((r.stream_id, uuid.UUID(r.payload["project_id"])),)
                for r in program["MemberProjectAdded"]
            ],
        ),
        "store pools": _tally(
            expected_pools(acks),
            [(r.stream_id, Decimal(r.payload["amount"])) for r in program["FundingPoolSet"]],
        ),
        "store portfolios": _tally(
            expected_portfolios(acks),
            [
                (r.stream_id, r.payload["code"], r.payload["name"])
                for r in portfolio["PortfolioCreated"]
            ],
        ),
        "store weights": _tally(
            expected_weights(acks),
            [
                (r.stream_id, _weights(r.payload["weights"].items()))
                for r in portfolio["ObjectivesWeighted"]
            ],
        ),
        "store components": _tally(
            expected_components(acks),
            [
                ((r.stream_id, uuid.UUID(r.payload["component_id"])), r.payload["kind"])
                for r in portfolio["ComponentAdded"]
            ],
        ),
    }


# The tenant's rows of reporting's read model; (key, *content) as the expectations above.
_READ_MODEL: dict[str, str] = {
    "projects": "SELECT project_id, code, name FROM projects WHERE tenant_id = :t",
    "lessons": "SELECT lesson_id, project_id, what_happened FROM lessons WHERE tenant_id = :t",
    "programs": "SELECT program_id, code, name FROM programs WHERE tenant_id = :t",
    "members": "SELECT m.program_id, m.project_id FROM program_members m"
    " JOIN programs p USING (program_id) WHERE p.tenant_id = :t",
    "pools": "SELECT o.program_id, o.amount FROM program_pool o"
    " JOIN programs p USING (program_id) WHERE p.tenant_id = :t AND o.change = 'set'",
    "portfolios": "SELECT portfolio_id, code, name FROM portfolios WHERE tenant_id = :t",
    "weights": "SELECT w.portfolio_id, w.weights FROM portfolio_weights w"
    " JOIN portfolios p USING (portfolio_id) WHERE p.tenant_id = :t",
    "components": "SELECT c.portfolio_id, c.component_id, c.kind FROM portfolio_components c"
    " JOIN portfolios p USING (portfolio_id) WHERE p.tenant_id = :t",
}


async def read_model_tally(
    database_url: str, schema: str, tenant: str, acks: list[Ack]
) -> dict[str, Tally]:
    """The tenant's rows in reporting's live read model: projects, lessons, programs, their
    members and pools, portfolios, their weights and components (a double-counted event
    would show up as one row more)."""
    async with engine_of(database_url, schema) as engine, engine.connect() as conn:
        rows = {
            name: (await conn.execute(text(sql), {"t": tenant})).all()
            for name, sql in _READ_MODEL.items()
        }
    weights = [(r.portfolio_id, _weights(r.weights)) for r in rows["weights"]]
    return {
        "read model projects": _tally(
            expected_projects(acks), [tuple(r) for r in rows["projects"]]
        ),
        "read model lessons": _tally(expected_lessons(acks), [tuple(r) for r in rows["lessons"]]),
        "read model programs": _tally(
            expected_programs(acks), [tuple(r) for r in rows["programs"]]
        ),
        "read model members": _tally(
            expected_members(acks), [((r.program_id, r.project_id),) for r in rows["members"]]
        ),
        "read model pools": _tally(expected_pools(acks), [tuple(r) for r in rows["pools"]]),
        "read model portfolios": _tally(
            expected_portfolios(acks), [tuple(r) for r in rows["portfolios"]]
        ),
        "read model weights": _tally(expected_weights(acks), weights),
        "read model components": _tally(
            expected_components(acks),
            [((r.portfolio_id, r.component_id), r.kind) for r in rows["components"]],
        ),
    }


async def live_generation(admin: httpx.AsyncClient) -> dict[str, Any]:
    """The live generation of reporting's project-reports projection."""
    response = await admin.get("/v1/projections")
    response.raise_for_status()
    projection = next(p for p in response.json() if p["name"] == PROJECTION)
    return next(g for g in projection["generations"] if g["status"] == "live")


async def until_caught_up(
    database_url: str, admin: httpx.AsyncClient, tenant: str, acks: list[Ack], *, timeout: float
) -> float:
    """Poll until the read model holds every acknowledged command exactly; the seconds it
    took. Fails with the last tally after `timeout`."""
    started = time.monotonic()
    while True:
        tallies: dict[str, Tally] = {}
        try:
            schema = (await live_generation(admin))["schema_name"]
            tallies = await read_model_tally(database_url, schema, tenant, acks)
        except (httpx.HTTPError, OSError):
            pass  # reporting-svc still restarting
        if tallies and all(t.exact for t in tallies.values()):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"read model not caught up after {timeout}s: {tallies}")
        await asyncio.sleep(0.2)


async def content(database_url: str, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every content table of a generation, ordered by its key."""
    async with engine_of(database_url, schema) as engine, engine.connect() as conn:
        return {
            table: [
                tuple(row)
                for row in await conn.execute(
                    text(f"SELECT * FROM {table} ORDER BY {key}")  # noqa: S608 - constants
                )
            ]
            for table, key in CONTENT_TABLES.items()
        }
