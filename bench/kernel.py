"""Item 4: the kernel's append path in process (no HTTP), against the `eventsourcing` library.

Per aggregate: create it, then apply 9 more commands; every command appends one event in its
own transaction at the expected version (10 events per aggregate). The aggregate stays in
memory between commands (this measures the append path, not loading).

- ours: `pmo_shared.eventstore.store.append` on an engine from
  `pmo_shared.database.engine.create_engine_for`, the schema made from `EVENT_STORE_DDL`
  (with its outbox row and notify trigger); writers are asyncio tasks in one process (the
  kernel's API is async). No key store (`keys=None`): nothing is sealed, but the statement is
  the one every append now runs, so this figure includes what personal data costs an append
  that seals nothing: the `subject_refs` column (an empty array, GIN-indexed) and the
  erased-subject guard (`NOT EXISTS` over `data_subjects` with an empty array).
- ours-sealed: the same loop, but `BenchCreated.manager` is a `PersonalUserId` and the append
  gets `keys=KeyStore(...)` (as project-svc's): the manager is sealed (AES-256-GCM with the
  subject's data key), the actor stored as its pseudonym, the event row lists the pseudonyms it
  names (so the guard looks them up). People as in a running service: each writer's managers
  come from a pool of MANAGERS_PER_WRITER, the actors of all commands from a pool of ACTORS;
  their subjects are created before the warm-up and then served from the key store's memory.
  Measured beside ours plain (4b) in one process, each in its own schema, taking turns of
  SLICE_SECONDS (plain, sealed, plain, ..., from the middle on sealed first) until each had
  SEALED_FACTOR x the seconds: on this shared machine two consecutive runs of the same loop
  differ by up to a third (other work, fsync times), far more than the 10 % the row asks, and
  short turns make that weigh on both alike.
- eventsourcing (PyPI, `eventsourcing.postgres`, psycopg 3 with a pool): `Application.save()`
  per command; writers are threads in one process (its API is blocking). Measured both with
  its default insert (pipelined, `LOCK TABLE ... IN EXCLUSIVE MODE` + NOTIFY per transaction)
  and with `POSTGRES_ENABLE_DB_FUNCTIONS=y` (one call of its plpgsql insert function); the
  faster of the two is the baseline.

Every measurement of ours starts from a new, empty schema (dropped and made again from
`EVENT_STORE_DDL`), so a run never depends on what an earlier one left (or on a schema made by
an older version of the kernel, before `PERSONAL_DATA_DDL`).

`python -m bench.kernel ours|ours-sealed|es|es-fn WRITERS SECONDS` prints one JSON line
(ours-sealed: both figures); each measurement runs in a fresh process so the two libraries
never share an interpreter.
"""

from __future__ import annotations

import asyncio
import base64
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
MANAGERS_PER_WRITER = 50  # distinct project managers each writer names
ACTORS = 20  # distinct people issuing the commands
SLICE_SECONDS = 1.0  # ours-sealed: plain and sealed take turns this long
SEALED_FACTOR = 2  # ours-sealed measures each of the two this many times the seconds asked
SCHEMAS = {
    "ours": "bench_kernel",
    "ours-sealed": "bench_kernel_sealed",
    "es": "bench_es",
    "es-fn": "bench_es_fn",
}


# --- ours --------------------------------------------------------------------------------------


class _Ours:
    """One event store of ours in its own schema, made anew, and its writers' loop: plain
    (`keys=None`) or sealed (`PersonalUserId` manager, `keys=KeyStore`)."""

    def __init__(self, url: str, writers: int, *, sealed: bool, schema: str) -> None:
        from pmo_shared.database.engine import create_engine_for
        from pmo_shared.domain.events import DomainEvent, EventMetadata
        from pmo_shared.privacy.crypto import MasterKey
        from pmo_shared.privacy.fields import PersonalUserId
        from pmo_shared.privacy.keystore import KeyStore

        class BenchCreated(DomainEvent):
            event_type: ClassVar[str] = "BenchCreated"
            name: str
            manager: PersonalUserId if sealed else str  # type: ignore[valid-type]

        class BenchProgressReported(DomainEvent):
            event_type: ClassVar[str] = "BenchProgressReported"
            percent_complete: int
            note: str

        self.created, self.progressed = BenchCreated, BenchProgressReported
        self.url, self.schema, self.writers, self.sealed = url, schema, writers, sealed
        self.engine = create_engine_for(url, schema=schema, pool_size=writers)
        self.tenant = "bench"
        self.metas = [
            EventMetadata(tenant_id=self.tenant, actor=f"bench-user-{a}", correlation_id="bench")
            for a in range(ACTORS)
        ]
        self.managers = [
            [f"pm-{w}-{m}" for m in range(MANAGERS_PER_WRITER)] for w in range(writers)
        ]
        self.made = [0] * writers  # aggregates made by each writer
        self.keys: Any = None
        self.key_engine: Any = None
        if sealed:
            # As project-svc wires it (pmo_shared.privacy.setup): subjects made on a pool apart.
            self.key_engine = create_engine_for(url, schema=schema, pool_size=2)
            master = MasterKey(base64.b64encode(os.urandom(32)).decode())
            self.keys = KeyStore(self.key_engine, master)

    async def open(self) -> None:
        """Make the schema anew from EVENT_STORE_DDL; with keys, meet every person once."""
        from pmo_shared.database.engine import create_engine_for
        from pmo_shared.eventstore.ddl import EVENT_STORE_DDL

        setup = create_engine_for(self.url, schema="public", pool_size=1)
        try:
            async with setup.begin() as conn:
                await conn.execute(text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
                await conn.execute(text(f"CREATE SCHEMA {self.schema}"))
                await conn.execute(text(f"SET LOCAL search_path = {self.schema}"))
                for ddl in EVENT_STORE_DDL:
                    await conn.execute(text(ddl))
        finally:
            await setup.dispose()
        if self.keys is not None:  # as a running service has met them: cached from now on
            people = [m.actor for m in self.metas] + [p for ps in self.managers for p in ps]
            await self.keys.subjects(self.tenant, people)

    async def aggregate(self, w: int) -> int:
        """One aggregate of writer `w`: create, then 9 commands, one transaction each."""
        from pmo_shared.eventstore import store

        n = self.made[w]
        self.made[w] += 1
        stream_id = uuid.uuid4()
        for version in range(EVENTS_PER_AGGREGATE):
            event = (
                self.created(
                    name="Bench project", manager=self.managers[w][n % MANAGERS_PER_WRITER]
                )
                if version == 0
                else self.progressed(percent_complete=version * 10, note="on track")
            )
            async with self.engine.begin() as conn:
                await store.append(
                    conn,
                    stream_type="bench",
                    stream_id=stream_id,
                    expected_version=version,
                    events=[event],
                    metadata=self.metas[(w * 7 + n * EVENTS_PER_AGGREGATE + version) % ACTORS],
                    keys=self.keys,
                )
        return EVENTS_PER_AGGREGATE

    async def warm_up(self) -> None:
        await asyncio.gather(
            *(self.aggregate(w) for w in range(self.writers) for _ in range(WARMUP_AGGREGATES))
        )

    async def run(self, seconds: float) -> tuple[int, float]:
        """(events, seconds): every writer makes aggregates until `seconds` have passed (each
        finishes the aggregate it is in; the time counts until the last has)."""

        async def writer(w: int, deadline: float) -> int:
            events = 0
            for _ in range(MAX_AGGREGATES_PER_WRITER):
                if time.monotonic() >= deadline:
                    break
                events += await self.aggregate(w)
            return events

        start = time.monotonic()
        counts = await asyncio.gather(*(writer(w, start + seconds) for w in range(self.writers)))
        return sum(counts), time.monotonic() - start

    async def subjects(self) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM data_subjects"))).scalar())

    async def close(self) -> None:
        await self.engine.dispose()
        if self.key_engine is not None:
            await self.key_engine.dispose()


async def _ours(url: str, writers: int, seconds: float) -> dict[str, Any]:
    """Ours plain, one run: the figure compared with eventsourcing (4)."""
    ours = _Ours(url, writers, sealed=False, schema=SCHEMAS["ours"])
    try:
        await ours.open()
        await ours.warm_up()
        events, elapsed = await ours.run(seconds)
    finally:
        await ours.close()
    return {"events": events, "seconds": elapsed, "rate": events / elapsed}


async def _ours_sealed(url: str, writers: int, seconds: float) -> dict[str, Any]:
    """Ours sealed beside ours plain (4b), in one process, taking turns of SLICE_SECONDS in the
    order plain, sealed, plain, sealed, ..., from the middle on sealed first, until each had
    SEALED_FACTOR x `seconds`: what the machine does meanwhile (other work, fsync times)
    weighs on both alike, and a 10 % difference stands out of the noise."""
    stores = {
        "plain": _Ours(url, writers, sealed=False, schema=SCHEMAS["ours"]),
        "sealed": _Ours(url, writers, sealed=True, schema=SCHEMAS["ours-sealed"]),
    }
    totals = {kind: [0, 0.0] for kind in stores}
    try:
        for one in stores.values():
            await one.open()
            await one.warm_up()
        pairs = max(2, round(SEALED_FACTOR * seconds / SLICE_SECONDS))
        for j in range(pairs):  # p s p s ... s p s p: no two turns of one kind in a row but
            # at the middle, and either goes first as often (a steady drift cancels out)
            for kind in ("plain", "sealed") if j < pairs // 2 else ("sealed", "plain"):
                events, elapsed = await stores[kind].run(SLICE_SECONDS)
                totals[kind][0] += events
                totals[kind][1] += elapsed
        subjects = await stores["sealed"].subjects()
    finally:
        for one in stores.values():
            await one.close()
    out: dict[str, Any] = {
        kind: {"events": int(e), "seconds": t, "rate": e / t} for kind, (e, t) in totals.items()
    }
    out["slices"] = 2 * pairs
    out["data_subjects"] = subjects
    out["ratio"] = out["sealed"]["rate"] / out["plain"]["rate"]
    return out


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
    """Item 4: events/s of ours and of eventsourcing at 1 and 8 writers, and the ratios; and
    ours with personal data sealed vs ours plain (4b)."""
    ctx.settings["kernel bench"] = (
        f"{EVENTS_PER_AGGREGATE} events per aggregate, one transaction each, {seconds} s per "
        f"measurement after {WARMUP_AGGREGATES} aggregates per writer of warm-up; ours: asyncio "
        "tasks, eventsourcing: threads; pool size = writers; 4b: plain and sealed in one "
        f"process taking turns of {SLICE_SECONDS:g} s (p s p s ... s p s p), "
        f"{SEALED_FACTOR * seconds} s each; "
        f"sealed: the manager (1 event in {EVENTS_PER_AGGREGATE}) sealed, the actor (every "
        f"event) as pseudonym, {MANAGERS_PER_WRITER} managers per writer and {ACTORS} actors, "
        "their subjects made before the warm-up, then cached (the key store's memory)"
    )
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for writers in WRITERS:
        for impl in ("ours", "es", "es-fn", "ours-sealed"):
            out = run(
                [PY, "-m", "bench.kernel", impl, str(writers), str(seconds)],
                timeout=2 * SEALED_FACTOR * seconds + 120,
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
        want = 1.5  # issue 16: at 1 and at 8 writers
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
    for writers in WRITERS:
        pair = results[("ours-sealed", writers)]
        plain, sealed = pair["plain"]["rate"], pair["sealed"]["rate"]
        rows.append(
            Row(
                f"4b · kernel append with personal data sealed, {writers} "
                f"writer{'s' if writers > 1 else ''} (vs the same append plain, same run: "
                f"{pair['slices']} turns of {SLICE_SECONDS:g} s in one process)",
                fmt_rate(sealed),
                fmt_rate(plain),
                fmt_ratio(sealed, plain),
                "≥ 0.9x",
                sealed / plain >= 0.9 if plain > 0 else None,
            )
        )
    return rows


def main() -> None:
    impl, writers, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    url = os.environ["DATABASE_URL"]
    if impl in ("ours", "ours-sealed"):
        import uvloop

        result = uvloop.run((_ours if impl == "ours" else _ours_sealed)(url, writers, seconds))
    elif impl in ("es", "es-fn"):
        result = _eventsourcing(url, writers, seconds, db_functions=impl == "es-fn")
    else:
        raise SystemExit("usage: python -m bench.kernel ours|ours-sealed|es|es-fn WRITERS SECONDS")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
