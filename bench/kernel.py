"""Item 4: the kernel's append path in process (no HTTP), against the `eventsourcing` library.

Per aggregate: create it, then apply 9 more commands; every command appends one event in its
own transaction at the expected version (10 events per aggregate). The aggregate stays in
memory between commands (this measures the append path, not loading).

- ours: `pmo_shared.eventstore.store.append` on an engine from
  `pmo_shared.database.engine.create_engine_for`, the schema made from `EVENT_STORE_DDL`
  (with its outbox row and notify trigger); writers are asyncio tasks in one process (the
  kernel's API is async).
- eventsourcing (PyPI, `eventsourcing.postgres`, psycopg 3 with a pool): `Application.save()`
  per command; writers are threads in one process (its API is blocking). Measured both with
  its default insert (pipelined, `LOCK TABLE ... IN EXCLUSIVE MODE` + NOTIFY per transaction)
  and with `POSTGRES_ENABLE_DB_FUNCTIONS=y` (one call of its plpgsql insert function); the
  faster of the two is the baseline.

`python -m bench.kernel ours|es|es-fn WRITERS SECONDS` prints one JSON line; each measurement
runs in a fresh process so the two libraries never share an interpreter.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from sqlalchemy import text

from bench.common import PY, Context, Row, fmt_rate, fmt_ratio, run

EVENTS_PER_AGGREGATE = 10
WRITERS = (1, 8)
MAX_AGGREGATES_PER_WRITER = 20_000  # bounds each loop by count as well as by time
WARMUP_AGGREGATES = 5
SCHEMAS = {"ours": "bench_kernel", "es": "bench_es", "es-fn": "bench_es_fn"}


# --- ours --------------------------------------------------------------------------------------


async def _ours(url: str, writers: int, seconds: float) -> dict[str, Any]:
    from pmo_shared.database.engine import create_engine_for
    from pmo_shared.domain.events import DomainEvent, EventMetadata
    from pmo_shared.eventstore import store
    from pmo_shared.eventstore.ddl import EVENT_STORE_DDL

    class BenchCreated(DomainEvent):
        event_type: ClassVar[str] = "BenchCreated"
        name: str
        manager: str

    class BenchProgressReported(DomainEvent):
        event_type: ClassVar[str] = "BenchProgressReported"
        percent_complete: int
        note: str

    schema = SCHEMAS["ours"]
    setup = create_engine_for(url, schema="public", pool_size=1)
    async with setup.begin() as conn:
        exists = (
            await conn.execute(
                text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{schema}.events"}
            )
        ).scalar_one()
        if not exists:
            await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
            await conn.execute(text(f"SET LOCAL search_path = {schema}"))
            for ddl in EVENT_STORE_DDL:
                await conn.execute(text(ddl))
    await setup.dispose()

    engine = create_engine_for(url, schema=schema, pool_size=writers)
    meta = EventMetadata(tenant_id="bench", actor="bench-user", correlation_id="bench")

    async def aggregate() -> int:
        stream_id = uuid.uuid4()
        for version in range(EVENTS_PER_AGGREGATE):
            event: DomainEvent = (
                BenchCreated(name="Bench project", manager="bench-user")
                if version == 0
                else BenchProgressReported(percent_complete=version * 10, note="on track")
            )
            async with engine.begin() as conn:
                await store.append(
                    conn,
                    stream_type="bench",
                    stream_id=stream_id,
                    expected_version=version,
                    events=[event],
                    metadata=meta,
                )
        return EVENTS_PER_AGGREGATE

    async def writer(deadline: float) -> int:
        events = 0
        for _ in range(MAX_AGGREGATES_PER_WRITER):
            if time.monotonic() >= deadline:
                break
            events += await aggregate()
        return events

    try:
        await asyncio.gather(*(aggregate() for _ in range(WARMUP_AGGREGATES * writers)))
        start = time.monotonic()
        counts = await asyncio.gather(*(writer(start + seconds) for _ in range(writers)))
        elapsed = time.monotonic() - start
    finally:
        await engine.dispose()
    return {"events": sum(counts), "seconds": elapsed, "rate": sum(counts) / elapsed}


# --- eventsourcing -----------------------------------------------------------------------------


def _eventsourcing(url: str, writers: int, seconds: float, *, db_functions: bool) -> dict[str, Any]:
    import psycopg
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event
    from sqlalchemy.engine import make_url

    class BenchProject(Aggregate):  # type: ignore[misc]
        @event("Created")
        def __init__(self, name: str, manager: str) -> None:
            self.name = name
            self.manager = manager
            self.percent_complete = 0

        @event("ProgressReported")
        def report_progress(self, percent_complete: int, note: str) -> None:
            self.percent_complete = percent_complete

    schema = SCHEMAS["es-fn" if db_functions else "es"]
    u = make_url(url)
    with psycopg.connect(
        host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True
    ) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(u.database),
        "POSTGRES_HOST": str(u.host),
        "POSTGRES_PORT": str(u.port),
        "POSTGRES_USER": str(u.username),
        "POSTGRES_PASSWORD": u.password or "",
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(writers),
        "POSTGRES_MAX_OVERFLOW": "0",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y" if db_functions else "n",
    }
    app = Application(env=env)

    def aggregate() -> int:
        agg = BenchProject(name="Bench project", manager="bench-user")
        app.save(agg)
        for version in range(1, EVENTS_PER_AGGREGATE):
            agg.report_progress(percent_complete=version * 10, note="on track")
            app.save(agg)
        return EVENTS_PER_AGGREGATE

    def writer(deadline: float) -> int:
        events = 0
        for _ in range(MAX_AGGREGATES_PER_WRITER):
            if time.monotonic() >= deadline:
                break
            events += aggregate()
        return events

    try:
        with ThreadPoolExecutor(max_workers=writers) as pool:
            list(pool.map(lambda _: aggregate(), range(WARMUP_AGGREGATES * writers)))
            start = time.monotonic()
            counts = list(pool.map(lambda _: writer(start + seconds), range(writers)))
            elapsed = time.monotonic() - start
    finally:
        app.close()
    return {"events": sum(counts), "seconds": elapsed, "rate": sum(counts) / elapsed}


# --- driver ------------------------------------------------------------------------------------


def measure_kernel(ctx: Context, *, seconds: int) -> list[Row]:
    """Item 4: events/s of ours and of eventsourcing at 1 and 8 writers, and the ratios."""
    ctx.settings["kernel bench"] = (
        f"{EVENTS_PER_AGGREGATE} events per aggregate, one transaction each, {seconds} s per "
        f"measurement after {WARMUP_AGGREGATES} aggregates per writer of warm-up; ours: asyncio "
        "tasks, eventsourcing: threads; pool size = writers"
    )
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for writers in WRITERS:
        for impl in ("ours", "es", "es-fn"):
            out = run(
                [PY, "-m", "bench.kernel", impl, str(writers), str(seconds)],
                timeout=seconds + 120,
                env={"DATABASE_URL": ctx.database_url},
            )
            results[(impl, writers)] = json.loads(out.strip().splitlines()[-1])
            ctx.note(f"kernel {impl} {writers} writers: {json.dumps(results[(impl, writers)])}")

    rows = []
    for writers in WRITERS:
        ours = results[("ours", writers)]["rate"]
        es = results[("es", writers)]["rate"]
        es_fn = results[("es-fn", writers)]["rate"]
        best, which = max((es, "default"), (es_fn, "DB functions"))
        want = 5.0 if writers == 8 else 1.5
        rows.append(
            Row(
                f"4 · kernel append events/s, {writers} writer{'s' if writers > 1 else ''} "
                f"(vs eventsourcing, {which}; other mode {fmt_rate(min(es, es_fn))})",
                fmt_rate(ours),
                fmt_rate(best),
                fmt_ratio(ours, best),
                f"≥ {want:g}x",
                ours / best >= want if best > 0 else None,
            )
        )
    return rows


def main() -> None:
    impl, writers, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    url = os.environ["DATABASE_URL"]
    if impl == "ours":
        import uvloop

        result = uvloop.run(_ours(url, writers, seconds))
    elif impl in ("es", "es-fn"):
        result = _eventsourcing(url, writers, seconds, db_functions=impl == "es-fn")
    else:
        raise SystemExit("usage: python -m bench.kernel ours|es|es-fn WRITERS SECONDS")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
