"""Item 1: command throughput and latency of project-svc, with two ceilings in the same run.

The load generator is wrk (Debian's `wrk` package) with `bench/wrk/commands.lua`: a C client
with 2 threads costs far less CPU than a Python client on this 2-core machine, where the load
generator shares the cores with the service, PostgreSQL and Kafka. The mix on 1,000 active
projects: 1 create in 20 requests, the others alternate progress reports and costs. Each wrk
thread owns its own share of the projects, so concurrent commands on one project are rare;
409/412 answers are counted apart and never as throughput.

Baselines at the same concurrency:
- pgbench on the same PostgreSQL: one single-row JSONB insert per transaction (prepared);
- the same HTTP stack (`bench.baseline_app`, served by `pmo_shared.web.app.serve` like the services)
  whose handler only inserts one row: bare FastAPI, and with the services' plumbing.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench import common, profiling
from bench.baseline_app import TABLE_DDL
from bench.common import (
    PY,
    REPO,
    Context,
    Row,
    fmt_ms,
    fmt_rate,
    fmt_ratio,
    run,
)
from pmo_shared.database.engine import create_engine_for
from pmo_shared.web.auth import issue_dev_token

LUA = REPO / "bench" / "wrk" / "commands.lua"
PROJECTS = 1000
CREATE_EVERY = 20  # one create in 20 requests
CLIENTS = (8, 32)
WRK_THREADS = 2
BASELINE_PORTS = {"bare": 28010, "plumbing": 28011}
PAYLOAD = '{"amount": "123.45", "category": "labour", "incurred_on": "2025-06-30"}'


# --- setup -------------------------------------------------------------------------------------


async def _create_tables(url: str) -> None:
    engine = create_engine_for(url, schema="public", pool_size=1)
    try:
        async with engine.begin() as conn:
            for ddl in TABLE_DDL:
                await conn.execute(text(ddl))
    finally:
        await engine.dispose()


SPONSOR = "bench-sponsor"


async def _prepare_projects(
    url: str, token: str, count: int, deadline: float, *, jwt_secret: str
) -> list[str]:
    """`count` active projects (propose, baseline, approve, start), 16 at a time; their sponsor
    approves them (nobody approves what they proposed or manage)."""
    headers = {"Authorization": f"Bearer {token}"}
    sponsor = issue_dev_token(
        jwt_secret, sub=SPONSOR, tenant="bench", roles=["portfolio_manager"], ttl_seconds=3600
    )
    limits = httpx.Limits(max_connections=16)
    sem = asyncio.Semaphore(16)
    run_tag = uuid.uuid4().hex[:6]

    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=30, limits=limits
    ) as client:

        async def post(path: str, body: dict[str, Any], as_: str | None = None) -> dict[str, Any]:
            if time.monotonic() > deadline:
                raise TimeoutError("preparing the projects took too long")
            auth = {"Authorization": f"Bearer {as_}"} if as_ else None
            response = await client.post(path, json=body, headers=auth)
            if response.status_code >= 300:
                raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
            result: dict[str, Any] = response.json()
            return result

        async def one(i: int) -> str:
            async with sem:
                created = await post(
                    "/v1/projects",
                    {
                        "code": f"B{run_tag}-{i:05d}",
                        "name": f"Bench project {i}",
                        "manager": "bench-user",
                        "sponsor": SPONSOR,
                        "methodology": "hybrid",
                        "currency": "EUR",
                    },
                )
                pid = str(created["project_id"])
                await post(
                    f"/v1/projects/{pid}/baseline",
                    {
                        "budget_at_completion": "500000",
                        "planned_start": "2025-01-01",
                        "planned_finish": "2027-12-31",
                    },
                )
                await post(f"/v1/projects/{pid}/approve", {}, as_=sponsor)
                await post(f"/v1/projects/{pid}/start", {"actual_start": "2025-01-02"})
                return pid

        return list(await asyncio.gather(*(one(i) for i in range(count))))


# --- load generators ---------------------------------------------------------------------------


def wrk(
    ctx: Context,
    url: str,
    *,
    mode: str,
    clients: int,
    seconds: int,
    ids_file: Path | None = None,
    tag: str = "x",
) -> dict[str, Any]:
    """One bounded wrk run; the Lua script's summary as a dict, plus `rate` (2xx per second)."""
    threads = min(WRK_THREADS, clients)
    today = datetime.now(UTC).date().isoformat()
    args = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(clients),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url.rstrip("/") + "/",
        "--",
        mode,
        ctx.token,
        str(ids_file or "/dev/null"),
        str(threads),
        tag,
        today,
        str(CREATE_EVERY if mode == "mix" else 0),
    ]
    out = run(args, timeout=seconds + 60)
    line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCHJSON "))
    result["rate"] = result["ok"] / (result["duration_us"] / 1e6)
    if result["other"] or result["socket_errors"] or result["timeouts"]:
        ctx.note(
            f"wrk {mode} {clients} clients on {url}: {result['other']} unexpected answers, "
            f"{result['socket_errors']} socket errors, {result['timeouts']} timeouts; "
            f"sample: {result['sample']}"
        )
    return result


def pgbench(ctx: Context, *, clients: int, seconds: int, log: bool) -> dict[str, Any]:
    """One single-row JSONB insert per transaction, `clients` connections, prepared."""
    return common.pgbench(
        ctx,
        ctx.work / f"pgbench-{clients}-{seconds}-{int(log)}",
        f"INSERT INTO bench_raw.pgbench_rows (payload) VALUES ('{PAYLOAD}');\n",  # noqa: S608
        clients=clients,
        threads=min(clients, WRK_THREADS),
        seconds=seconds,
        log=log,
    )


class BaselineApp:
    """`bench.baseline_app` in its own process, started and stopped by pid."""

    def __init__(self, ctx: Context, kind: str) -> None:
        self.kind = kind
        self.port = BASELINE_PORTS[kind]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = ctx.work / f"baseline-{kind}.log"
        env = {
            **os.environ,
            "DATABASE_URL": ctx.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": ctx.env["KAFKA_BOOTSTRAP_SERVERS"],
            "JWT_SECRET": ctx.env["JWT_SECRET"],
            "PORT": str(self.port),
        }
        with self.log.open("w") as fh:
            self.proc = subprocess.Popen(
                [PY, "-m", "bench.baseline_app", kind],
                cwd=REPO,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"baseline app {kind} exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"baseline app {kind} not ready in 30 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


# --- the benchmark -----------------------------------------------------------------------------


async def _stream_stats(url: str) -> tuple[int, int]:
    engine = create_engine_for(url, schema="project", pool_size=1)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(text("SELECT count(*), count(DISTINCT stream_id) FROM events"))
            ).one()
            return int(row[0]), int(row[1])
    finally:
        await engine.dispose()


def _profile_project_svc(ctx: Context, ids_file: Path, seconds: int) -> None:
    """An extra, unmeasured 32-client run with py-spy on project-svc: the top costs go into
    the result file's details."""
    pid = int((Path(ctx.env["PMO_DATA_DIR"]) / "run" / "project-svc.pid").read_text().strip())
    raw = ctx.work / "project-svc.pyspy.txt"
    spy = profiling.start(pid, seconds, raw)
    if spy is None:
        ctx.note("profile: py-spy not found (pip install -r bench/requirements.txt)")
        return
    wrk(
        ctx,
        ctx.env["PROJECT_URL"],
        mode="mix",
        clients=CLIENTS[-1],
        seconds=seconds,
        ids_file=ids_file,
        tag="prof",
    )
    spy.wait(timeout=60)
    if raw.exists():
        ctx.note(
            "profile of project-svc at 32 clients (py-spy, main thread):\n\n```\n"
            + "\n".join(profiling.summarize(raw, pid=pid, top=45))
            + "\n```"
        )


def measure_commands(
    ctx: Context, *, seconds: int, warmup: int, profile: bool = False
) -> list[Row]:
    """Item 1: rows for 8 and 32 clients, against pgbench and the HTTP ceilings."""
    project_url = ctx.env["PROJECT_URL"]
    asyncio.run(_create_tables(ctx.database_url))
    t0 = time.monotonic()
    ids = asyncio.run(
        _prepare_projects(
            project_url,
            ctx.token,
            PROJECTS,
            deadline=time.monotonic() + 240,
            jwt_secret=ctx.env["JWT_SECRET"],
        )
    )
    ids_file = ctx.work / "project_ids.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    ctx.note(f"prepared {len(ids)} active projects in {time.monotonic() - t0:.1f} s")
    ctx.settings.update(
        {
            "load generator": f"wrk {WRK_THREADS} threads, Lua mix (bench/wrk/commands.lua)",
            "clients": ", ".join(map(str, CLIENTS)),
            "measured duration per run": f"{seconds} s after {warmup} s warm-up",
            "command mix": f"1 create in {CREATE_EVERY}, rest alternate progress / cost, "
            f"{PROJECTS} active projects",
        }
    )

    svc: dict[int, dict[str, Any]] = {}
    for clients in CLIENTS:
        events, streams = asyncio.run(_stream_stats(ctx.database_url))
        ctx.note(
            f"before {clients} clients: {events} events in {streams} streams "
            f"(mean {events / max(streams, 1):.1f} events per stream)"
        )
        wrk(
            ctx,
            project_url,
            mode="mix",
            clients=clients,
            seconds=warmup,
            ids_file=ids_file,
            tag=f"w{clients}",
        )
        svc[clients] = wrk(
            ctx,
            project_url,
            mode="mix",
            clients=clients,
            seconds=seconds,
            ids_file=ids_file,
            tag=f"m{clients}",
        )
        ctx.note(f"project-svc {clients} clients: {json.dumps(svc[clients])}")
    if profile:
        _profile_project_svc(ctx, ids_file, min(seconds, 15))

    pg: dict[int, dict[str, Any]] = {}
    for clients in CLIENTS:
        pgbench(ctx, clients=clients, seconds=max(2, warmup // 2), log=False)
        pg[clients] = pgbench(ctx, clients=clients, seconds=seconds, log=True)
        ctx.note(f"pgbench {clients} clients: {json.dumps(pg[clients])}")

    http: dict[str, dict[int, dict[str, Any]]] = {}
    for kind in BASELINE_PORTS:
        app = BaselineApp(ctx, kind)
        try:
            http[kind] = {}
            for clients in CLIENTS:
                wrk(ctx, app.url, mode="insert", clients=clients, seconds=warmup)
                http[kind][clients] = wrk(
                    ctx, app.url, mode="insert", clients=clients, seconds=seconds
                )
                ctx.note(
                    f"HTTP insert ({kind}) {clients} clients: {json.dumps(http[kind][clients])}"
                )
        finally:
            app.stop()

    rows: list[Row] = []
    for clients in CLIENTS:
        s = svc[clients]
        goal_rate = clients == 32
        label = f"1 · commands/s, {clients} clients"
        bases = [
            ("pgbench 1-row insert", pg[clients]),
            ("HTTP 1-row insert, bare FastAPI", http["bare"][clients]),
            ("HTTP 1-row insert, service plumbing", http["plumbing"][clients]),
        ]
        for i, (name, base) in enumerate(bases):
            rows.append(
                Row(
                    f"{label} (vs {name})",
                    fmt_rate(s["rate"]),
                    fmt_rate(base["rate"]),
                    fmt_ratio(s["rate"], base["rate"]),
                    "≥ 2,000 /s" if goal_rate and i == 0 else "",
                    (s["rate"] >= 2000) if goal_rate and i == 0 else None,
                )
            )
        lat = f"{fmt_ms(s['p50_us'])} / {fmt_ms(s['p95_us'])} / {fmt_ms(s['p99_us'])}"
        for i, (name, base) in enumerate(bases):
            rows.append(
                Row(
                    f"1 · latency p50/p95/p99 ms, {clients} clients (vs {name})",
                    lat,
                    f"{fmt_ms(base['p50_us'])} / {fmt_ms(base['p95_us'])} / "
                    f"{fmt_ms(base['p99_us'])}",
                    f"p99 {fmt_ratio(s['p99_us'], base['p99_us'])}",
                    "p99 ≤ 25 ms" if goal_rate and i == 0 else "",
                    (s["p99_us"] <= 25_000) if goal_rate and i == 0 else None,
                )
            )
        rows.append(
            Row(
                f"1 · 409/412/other answers, {clients} clients",
                f"{s['conflict']} / {s['precondition']} / {s['other']} "
                f"(of {s['requests']:,} requests)",
            )
        )
    return rows
