"""Item 7: reads at scale, each read path against a plain indexed SELECT of the same rows.

The tenant `bench-reads` gets 10,000 projects (each the 20-event life of item 3's projects:
proposed, baselined, approved, started, progress, costs, a milestone, a risk ...), 100 active
programs of 100 member projects each (and a funding pool), and 5 portfolios of 20 of those
programs each. Projects and programs go in as their events, produced straight to their topics
(`pmo.project.events`, `pmo.program.events`) with project-svc's and program-svc's own event
classes, dumped and wrapped as their outbox relays publish them: the fastest honest way to
10,000 projects with figures (through the APIs they would take ~45,000 commands). The
portfolios are made through portfolio-svc's API (create, weights, 20 program components each),
which accepts a component only once its references know the program: the injected program
events fed them. Project-svc's own list needs rows in project-svc's store, so a second tenant,
`bench-reads-list`, gets 10,000 proposals through project-svc's API (wrk, 32 clients). Seeding
is not measured; its times are in the details.

Measured, each with wrk (2 threads, 32 clients, `bench/wrk/reads.lua`) on the real services'
HTTP endpoints, then pgbench (`-M prepared`, 32 clients, 2 threads) with one SELECT of the rows
the same answer is made of, on the same PostgreSQL, from the same tables (reporting's live
read-model generation; project-svc's `projects`):

- reporting's project list, first page (`GET /v1/reports/projects`, 100 by code) vs the first
  100 project rows by code;
- the PMO overview (`GET /v1/reports/pmo/overview`) vs the tenant's 10,000 project rows counted
  by status;
- a program roll-up (`GET /v1/reports/programs/{id}`, the 100 programs in turn) vs the program's
  row joined to its 100 member projects' rows (the program by code, chosen at random);
- a portfolio roll-up (`GET /v1/reports/portfolios/{id}`, the 5 in turn) vs the 2,000 project
  rows of its 20 programs' members;
- project-svc's list (`GET /v1/projects`, first page of 50) vs the first 50 of its rows by `seq`.

The goal is a p99 at most 3x the SELECT's (wrk's histogram; pgbench's per-transaction log).
Only 2xx answers count as served; a path whose answers are not right (the count of items, members,
components, projects) fails the item.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from bench import common
from bench.commands import BaselineApp
from bench.common import REPO, Context, Row, fmt_ms, run
from bench.loadgen import Http1Pool
from bench.rebuild import _project_events
from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import DomainEvent, EventEnvelope
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.cloudevents import KafkaMessage
from pmo_shared.messaging.topics import PROGRAM_EVENTS_TOPIC, PROJECT_EVENTS_TOPIC
from pmo_shared.web.auth import issue_dev_token
from program_svc.domain import events as ge

LUA = REPO / "bench" / "wrk" / "reads.lua"
TENANT = "bench-reads"
LIST_TENANT = "bench-reads-list"
PROJECTS = 10_000
PROGRAMS = 100
MEMBERS = PROJECTS // PROGRAMS
PORTFOLIOS = 5
COMPONENTS = PROGRAMS // PORTFOLIOS
CLIENTS = 32
WRK_THREADS = 2
LIST_PAGE = 100  # reporting's default page
PROJECT_SVC_PAGE = 50  # project-svc's default page
SEED = 20261216
WEIGHTS = {"value": "0.6", "risk": "0.4"}
ROUTES = {
    "project list": "/v1/reports/projects",
    "overview": "/v1/reports/pmo/overview",
    "program roll-up": "/v1/reports/programs/{id}",
    "portfolio roll-up": "/v1/reports/portfolios/{id}",
    "project-svc list": "/v1/projects",
}
SEED_SECONDS = 420  # at most, for the whole seeding


# --- seeding -----------------------------------------------------------------------------------


def _envelope(
    event: DomainEvent, *, stream_type: str, stream_id: uuid.UUID, version: int, at: datetime
) -> KafkaMessage:
    envelope = EventEnvelope(
        event_id=uuid.uuid4(),
        event_type=event.event_type,
        schema_version=event.schema_version,
        stream_type=stream_type,
        stream_id=stream_id,
        stream_version=version,
        occurred_at=at,
        tenant_id=TENANT,
        actor="bench-user",
        correlation_id=uuid.uuid4().hex,
        causation_id=None,
        payload=event.model_dump(mode="json"),
    )
    return cloudevents.encode(envelope)


def _program_events(k: int, members: list[uuid.UUID]) -> list[DomainEvent]:
    """One active program: proposed, activated, its members added, a funding pool set."""
    start = date(2025, 1, 1)
    return [
        ge.ProgramProposed(
            program_id=uuid.uuid4(),
            code=f"RDP-{k:03d}",
            name=f"Reads bench program {k}",
            area="bench",
            description="A program made by bench/reads.py.",
            manager=f"pgm-{k % 10}",
            sponsor=f"psp-{k % 5}",
            currency="EUR",
            proposed_on=start,
        ),
        ge.ProgramActivated(activated_by="bench-pmo", effective_on=start),
        *(ge.MemberProjectAdded(project_id=p, effective_on=start) for p in members),
        ge.FundingPoolSet(amount=Decimal(50_000_000 + k), effective_on=start),
    ]


def build_messages() -> tuple[list[tuple[str, KafkaMessage]], list[uuid.UUID]]:
    """The project and program events of the tenant, in order per stream (projects first),
    and the programs' ids."""
    rng = random.Random(SEED)  # test data, seeded
    tag = uuid.uuid4().hex[:6]
    start = datetime.now(UTC) - timedelta(days=1)
    out: list[tuple[str, KafkaMessage]] = []
    project_ids: list[uuid.UUID] = []
    n = 0
    for i in range(PROJECTS):
        life = _project_events(rng, i, tag)
        pid: uuid.UUID = life[0].project_id  # type: ignore[attr-defined]
        project_ids.append(pid)
        for v, event in enumerate(life, start=1):
            at = start + timedelta(milliseconds=n)
            n += 1
            out.append(
                (
                    PROJECT_EVENTS_TOPIC,
                    _envelope(event, stream_type="project", stream_id=pid, version=v, at=at),
                )
            )
    program_ids: list[uuid.UUID] = []
    for k in range(PROGRAMS):
        life = _program_events(k, project_ids[k * MEMBERS : (k + 1) * MEMBERS])
        gid: uuid.UUID = life[0].program_id  # type: ignore[attr-defined]
        program_ids.append(gid)
        for v, event in enumerate(life, start=1):
            at = start + timedelta(milliseconds=n)
            n += 1
            out.append(
                (
                    PROGRAM_EVENTS_TOPIC,
                    _envelope(event, stream_type="program", stream_id=gid, version=v, at=at),
                )
            )
    return out, program_ids


async def produce(bootstrap: str, messages: list[tuple[str, KafkaMessage]]) -> float:
    """Send every message to its topic; seconds until the last is acknowledged."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="bench-reads-producer",
        enable_idempotence=True,
        acks="all",
        linger_ms=20,
        max_batch_size=1024 * 1024,
        request_timeout_ms=30_000,
    )
    await producer.start()
    try:
        t0 = time.perf_counter()
        pending: list[asyncio.Future[Any]] = []
        for topic, m in messages:
            pending.append(await producer.send(topic, value=m.value, key=m.key, headers=m.headers))
            if len(pending) >= 10_000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
        return time.perf_counter() - t0
    finally:
        await producer.stop()


async def live_schema(database_url: str) -> str:
    """The schema of reporting's live read-model generation."""
    engine = create_engine_for(database_url, schema="reporting", pool_size=1)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text(
                    "SELECT schema_name FROM reporting.projection_generations "
                    "WHERE projection = 'project-reports' AND status = 'live'"
                )
            )
            return str(found.scalar_one())
    finally:
        await engine.dispose()


async def _counts(database_url: str, schema: str) -> dict[str, int]:
    engine = create_engine_for(database_url, schema=schema, pool_size=1)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        f"""
                        SELECT
                          (SELECT count(*) FROM {schema}.projects WHERE tenant_id = :t),
                          (SELECT count(*) FROM {schema}.costs c JOIN {schema}.projects p
                             USING (project_id) WHERE p.tenant_id = :t),
                          (SELECT count(*) FROM {schema}.program_members m
                             JOIN {schema}.programs g USING (program_id) WHERE g.tenant_id = :t),
                          (SELECT count(*) FROM {schema}.program_pool l
                             JOIN {schema}.programs g USING (program_id) WHERE g.tenant_id = :t),
                          (SELECT count(*) FROM {schema}.portfolio_components c
                             JOIN {schema}.portfolios f USING (portfolio_id)
                             WHERE f.tenant_id = :t)
                        """  # noqa: S608 - the schema comes from the generations register
                    ),
                    {"t": TENANT},
                )
            ).one()
            return dict(
                zip(("projects", "costs", "members", "pools", "components"), row, strict=True)
            )
    finally:
        await engine.dispose()


async def wait_for(
    database_url: str, schema: str, want: dict[str, int], deadline: float
) -> dict[str, int]:
    """Poll the read model (every 0.5 s, bounded) until it holds at least `want`."""
    while True:
        counts = await _counts(database_url, schema)
        if all(counts[k] >= v for k, v in want.items()):
            return counts
        if time.monotonic() > deadline:
            raise TimeoutError(f"reporting's read model holds {counts}, waited for {want}")
        await asyncio.sleep(0.5)


async def make_portfolios(
    url: str, token: str, program_ids: list[uuid.UUID], deadline: float
) -> list[str]:
    """5 portfolios through portfolio-svc's API, 20 program components each (a component is
    retried while portfolio-svc's references do not know the program yet)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:

        async def send(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
            while True:
                response = await client.request(method, path, json=body)
                if response.status_code < 300:
                    result: dict[str, Any] = response.json()
                    return result
                if response.status_code not in (404, 409, 422) or time.monotonic() > deadline:
                    raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
                await asyncio.sleep(0.5)  # the program not known yet: bounded by the deadline

        async def one(n: int) -> str:
            tag = uuid.uuid4().hex[:8]
            body = {"code": f"RDF-{n}-{tag}", "name": f"Reads portfolio {n}", "currency": "EUR"}
            created = await send("POST", "/v1/portfolios", {**body, "manager": "pfm-bench"})
            pid = str(created["portfolio_id"])
            await send("PUT", f"/v1/portfolios/{pid}/weights", {"weights": WEIGHTS})
            for program in program_ids[n * COMPONENTS : (n + 1) * COMPONENTS]:
                # No estimate: the program's funding pool is its known cost.
                component = {"component_id": str(program), "kind": "program", "risk_score": "0.2"}
                await send("POST", f"/v1/portfolios/{pid}/components", component)
            return pid

        return list(await asyncio.gather(*(one(n) for n in range(PORTFOLIOS))))


async def propose(url: str, token: str, deadline: float) -> tuple[int, float]:
    """PROJECTS proposals to project-svc, CLIENTS at a time (the minimal HTTP/1.1 client of
    `bench.loadgen`: httpx would take a core here); (2xx answers, seconds)."""
    pool = Http1Pool(url, CLIENTS)
    host = urlsplit(url).netloc
    tag = uuid.uuid4().hex[:6]
    made = 0
    t0 = time.perf_counter()

    async def one(i: int) -> None:
        nonlocal made
        body = json.dumps(
            {
                "code": f"L{tag}-{i:05d}",
                "name": f"Reads bench project {i}",
                "manager": "bench-user",
                "sponsor": "bench-sponsor",
                "methodology": "hybrid",
                "currency": "EUR",
            }
        ).encode()
        head = (
            f"POST /v1/projects HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        while True:
            status, answer, _ = await pool.request(head, body)
            if status < 300:
                made += 1
                return
            if status not in (429, 503) or time.monotonic() > deadline:
                raise RuntimeError(f"POST /v1/projects: {status} {answer[:300]!r}")
            await asyncio.sleep(0.2)  # rate limited or busy: bounded by the deadline

    async def worker(k: int) -> None:
        for i in range(k, PROJECTS, CLIENTS):
            await one(i)

    try:
        await asyncio.gather(*(worker(k) for k in range(CLIENTS)))
    finally:
        await pool.close()
    return made, time.perf_counter() - t0


async def _project_svc_count(database_url: str) -> int:
    engine = create_engine_for(database_url, schema="project", pool_size=1)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT count(*) FROM project.projects WHERE tenant_id = :t"),
                {"t": LIST_TENANT},
            )
            return int(found.scalar_one())
    finally:
        await engine.dispose()


# --- load and baseline -------------------------------------------------------------------------


def wrk(ctx: Context, url: str, *, token: str, seconds: int, file: Path) -> dict[str, Any]:
    """One bounded wrk run of `bench/wrk/reads.lua` over the paths in `file`; its summary,
    plus `rate` (2xx per second)."""
    args = [
        "wrk",
        "-t",
        str(WRK_THREADS),
        "-c",
        str(CLIENTS),
        "-d",
        f"{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        url.rstrip("/") + "/",
        "--",
        token,
        str(file),
        str(WRK_THREADS),
    ]
    out = run(args, timeout=seconds + 90)
    line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCHJSON "))
    result["rate"] = result["ok"] / max(result["duration_us"] / 1e6, 1e-9)
    if result["other"] or result["socket_errors"] or result["timeouts"]:
        ctx.note(
            f"wrk on {url}: {result['other']} non-2xx answers, "
            f"{result['socket_errors']} socket errors, {result['timeouts']} timeouts; "
            f"sample: {result['sample']}"
        )
    return result


def pgbench(ctx: Context, name: str, sql: str, *, seconds: int, log: bool) -> dict[str, Any]:
    """`sql` (a pgbench script) at 32 clients, prepared; latencies from the transaction log."""
    return common.pgbench(
        ctx,
        ctx.work / f"reads-pgbench-{name}-{seconds}-{int(log)}",
        sql,
        clients=CLIENTS,
        threads=WRK_THREADS,
        seconds=seconds,
        log=log,
    )


def baselines(schema: str) -> dict[str, str]:
    """The pgbench script of each read path: one SELECT of the rows its answer is made of."""
    s, t = schema, TENANT
    # Built from constants and the generations register's schema name, never from input.
    return {
        "project list": (
            f"SELECT p.* FROM {s}.projects p WHERE p.tenant_id = '{t}' "  # noqa: S608
            f"ORDER BY p.code, p.project_id LIMIT {LIST_PAGE};\n"
        ),
        "overview": (
            f"SELECT p.status, count(*) FROM {s}.projects p WHERE p.tenant_id = '{t}' "  # noqa: S608
            "GROUP BY p.status;\n"
        ),
        "program roll-up": (
            f"\\set k random(0, {PROGRAMS - 1})\n"
            f"SELECT g.code, p.* FROM {s}.programs g "
            f"JOIN {s}.program_members m ON m.program_id = g.program_id "
            f"JOIN {s}.projects p ON p.project_id = m.project_id "
            f"WHERE g.tenant_id = '{t}' AND g.code = 'RDP-' || lpad((:k)::text, 3, '0');\n"
        ),
        "portfolio roll-up": (
            f"\\set k random(0, {PORTFOLIOS - 1})\n"
            f"SELECT c.component_id, p.* FROM {s}.portfolios f "
            f"JOIN {s}.portfolio_components c ON c.portfolio_id = f.portfolio_id "
            f"JOIN {s}.program_members m ON m.program_id = c.component_id "
            f"JOIN {s}.projects p ON p.project_id = m.project_id "
            f"WHERE f.tenant_id = '{t}' AND f.code LIKE 'RDF-' || (:k)::text || '-%';\n"
        ),
        "project-svc list": (
            f"SELECT * FROM project.projects WHERE tenant_id = '{LIST_TENANT}' "  # noqa: S608
            f"ORDER BY seq LIMIT {PROJECT_SVC_PAGE};\n"
        ),
    }


def _check(name: str, body: Any) -> str:
    """What the first answer of a path holds; raises when it is not the seeded data."""
    if name == "project list":
        got = len(body["items"])
        ok = got == LIST_PAGE and body["next_cursor"] is not None
        what = f"{got} items"
    elif name == "overview":
        got = sum(body["projects_by_status"].values())
        ok = got == PROJECTS
        what = f"{got} projects"
    elif name == "program roll-up":
        got = len(body["members"])
        ok = got == MEMBERS
        what = f"{got} members"
    elif name == "portfolio roll-up":
        got = len(body["components"])
        ok = got == COMPONENTS
        what = f"{got} components"
    else:
        got = len(body["items"])
        ok = got == PROJECT_SVC_PAGE
        what = f"{got} items"
    if not ok:
        raise RuntimeError(f"reads: {name} answered {what}: not the seeded data")
    return what


# --- the benchmark -----------------------------------------------------------------------------


def seed(ctx: Context) -> dict[str, Any]:
    """Seed both tenants (see the module's docstring); the paths and tokens to measure."""
    deadline = time.monotonic() + min(SEED_SECONDS, max(ctx.left() - 200, 60))
    secret = ctx.env["JWT_SECRET"]
    token = issue_dev_token(
        secret, sub="bench-user", tenant=TENANT, roles=["pmo"], ttl_seconds=3600
    )
    list_token = issue_dev_token(
        secret, sub="bench-user", tenant=LIST_TENANT, roles=["pmo"], ttl_seconds=3600
    )
    t0 = time.monotonic()
    messages, program_ids = build_messages()
    built = time.monotonic() - t0
    sent = asyncio.run(produce(ctx.env["KAFKA_BOOTSTRAP_SERVERS"], messages))
    schema = asyncio.run(live_schema(ctx.database_url))
    want = {"projects": PROJECTS, "members": PROGRAMS * MEMBERS, "pools": PROGRAMS}
    asyncio.run(wait_for(ctx.database_url, schema, want, deadline))
    applied = time.monotonic() - t0
    portfolios = asyncio.run(
        make_portfolios(ctx.env["PORTFOLIO_URL"], token, program_ids, deadline)
    )
    counts = asyncio.run(
        wait_for(ctx.database_url, schema, {**want, "components": PROGRAMS}, deadline)
    )
    ctx.note(
        f"reads: {len(messages):,} events built in {built:.1f} s, produced in {sent:.1f} s, "
        f"applied by reporting after {applied:.1f} s; {PORTFOLIOS} portfolios made, "
        f"all in the read model after {time.monotonic() - t0:.1f} s: {counts} (schema {schema})"
    )
    made, took = asyncio.run(propose(ctx.env["PROJECT_URL"], list_token, deadline))
    in_store = asyncio.run(_project_svc_count(ctx.database_url))
    ctx.note(
        f"reads: {made:,} proposals to project-svc ({LIST_TENANT}) in {took:.1f} s "
        f"({made / took:,.0f} /s at {CLIENTS} clients); "
        f"{in_store:,} rows in its store"
    )
    if in_store < PROJECTS:
        raise RuntimeError(f"reads: project-svc holds {in_store} projects of {LIST_TENANT}")
    reporting = ctx.env["REPORTING_URL"]
    programs = [f"/v1/reports/programs/{p}" for p in program_ids]
    paths = {
        "project list": (reporting, token, ["/v1/reports/projects"]),
        "overview": (reporting, token, ["/v1/reports/pmo/overview"]),
        "program roll-up": (reporting, token, programs),
        "portfolio roll-up": (
            reporting,
            token,
            [f"/v1/reports/portfolios/{p}" for p in portfolios],
        ),
        "project-svc list": (ctx.env["PROJECT_URL"], list_token, ["/v1/projects"]),
    }
    return {"schema": schema, "paths": paths}


def measure_reads(ctx: Context, *, seconds: int = 10, warmup: int = 3) -> list[Row]:
    """Item 7: one row per read path, p99 against the plain SELECT of the same rows."""
    seeded = seed(ctx)
    scripts = baselines(seeded["schema"])
    ctx.settings.update(
        {
            "item 7 data": f"tenant {TENANT}: {PROJECTS:,} projects x 20 events, {PROGRAMS} "
            f"active programs x {MEMBERS} members, {PORTFOLIOS} portfolios x {COMPONENTS} "
            f"programs (projects and programs as events on their topics, portfolios through "
            f"portfolio-svc's API); tenant {LIST_TENANT}: {PROJECTS:,} proposals through "
            "project-svc's API",
            "item 7 load": f"wrk {WRK_THREADS} threads, {CLIENTS} clients, {seconds} s after "
            f"{warmup} s warm-up per path (bench/wrk/reads.lua); baseline pgbench -M prepared, "
            f"{CLIENTS} clients, {WRK_THREADS} threads, same durations",
        }
    )
    rows: list[Row] = []
    list_baseline: dict[str, Any] = {}
    for name, (url, token, paths) in seeded["paths"].items():
        t0 = time.perf_counter()
        first = httpx.get(url + paths[0], headers={"Authorization": f"Bearer {token}"}, timeout=120)
        alone_ms = (time.perf_counter() - t0) * 1000  # one request, nothing else in flight
        first.raise_for_status()
        what = _check(name, first.json())
        paths_file = ctx.work / f"reads-{name.replace(' ', '-')}.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        wrk(ctx, url, token=token, seconds=warmup, file=paths_file)
        svc = wrk(ctx, url, token=token, seconds=seconds, file=paths_file)
        pgbench(ctx, name.replace(" ", "-"), scripts[name], seconds=warmup, log=False)
        base = pgbench(ctx, name.replace(" ", "-"), scripts[name], seconds=seconds, log=True)
        ctx.note(
            f"reads {name}: first answer {len(first.content):,} bytes ({what}); "
            f"service {json.dumps(svc)}; SELECT {json.dumps(base)}"
        )
        served = svc["ok"] > 0 and not svc["other"] and not svc["timeouts"]
        if svc["ok"]:
            value = f"{fmt_ms(svc['p50_us'])} / {fmt_ms(svc['p95_us'])} / {fmt_ms(svc['p99_us'])}"
            ratio = svc["p99_us"] / base["p99_us"] if base["p99_us"] > 0 else float("inf")
            shown = f"p99 {ratio:.2f}x"
        else:
            # Not one answer within the run: every latency exceeds it, so its p99 does too.
            value = f"none answered within {seconds} s"
            ratio = seconds * 1e6 / base["p99_us"] if base["p99_us"] > 0 else float("inf")
            shown = f"p99 > {ratio:.0f}x"
        if name == "project-svc list":
            list_baseline = base
        rows.append(
            Row(
                f"7 · reads p50/p95/p99 ms, {name} (GET {ROUTES[name]}: {what}; one request "
                f"alone {alone_ms:,.0f} ms; {svc['rate']:,.0f} /s at {CLIENTS} clients, of "
                f"{svc['requests']:,} requests {svc['ok']:,} 2xx; vs plain indexed SELECT of "
                f"the same rows, pgbench {base['rate']:,.0f} /s)",
                value,
                f"{fmt_ms(base['p50_us'])} / {fmt_ms(base['p95_us'])} / {fmt_ms(base['p99_us'])}",
                shown,
                "p99 ≤ 3x",
                served and ratio <= 3,
            )
        )
    rows.append(_http_floor(ctx, list_baseline))
    return rows


def _http_floor(ctx: Context, select: dict[str, Any]) -> Row:
    """The project-svc list's SELECT (the same rows, a page of 50) served by the bench's
    plumbing app (`bench.baseline_app`, `GET /rows`: the services' app factory, bearer auth,
    middleware, one process), with wrk the same way: what any read over this HTTP stack costs
    before its own work, against the same pgbench baseline."""
    app = BaselineApp(ctx, "plumbing")
    try:
        token = issue_dev_token(
            ctx.env["JWT_SECRET"], sub="bench", tenant=LIST_TENANT, roles=["pmo"]
        )
        path = f"/rows?tenant={LIST_TENANT}&limit={PROJECT_SVC_PAGE}"
        paths = ctx.work / "reads-floor.txt"
        paths.write_text(path + "\n")
        first = httpx.get(app.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        first.raise_for_status()
        if (got := len(first.json())) != PROJECT_SVC_PAGE:
            raise RuntimeError(f"the floor's SELECT gave {got} rows")
        wrk(ctx, app.url, token=token, seconds=3, file=paths)
        floor = wrk(ctx, app.url, token=token, seconds=10, file=paths)
    finally:
        app.stop()
    ctx.note(f"reads HTTP floor: {json.dumps(floor)}")
    ratio = floor["p99_us"] / select["p99_us"] if select["p99_us"] > 0 else float("inf")
    return Row(
        f"7 · reads floor p50/p95/p99 ms: project-svc list's SELECT over the service plumbing "
        f"alone (bench.baseline_app GET /rows, {PROJECT_SVC_PAGE} rows as JSON; "
        f"{floor['rate']:,.0f} /s at {CLIENTS} clients; vs the same SELECT in pgbench)",
        f"{fmt_ms(floor['p50_us'])} / {fmt_ms(floor['p95_us'])} / {fmt_ms(floor['p99_us'])}",
        f"{fmt_ms(select['p50_us'])} / {fmt_ms(select['p95_us'])} / {fmt_ms(select['p99_us'])}",
        f"p99 {ratio:.2f}x",
    )
