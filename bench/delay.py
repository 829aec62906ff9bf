"""Item 2: end-to-end delay, from a project-svc command's 2xx to reporting-svc's read model.

One sample: `POST /v1/projects/{id}/costs` with an amount no other sample uses, note the time
its 2xx arrives, then poll reporting-svc's `GET /v1/reports/projects/{id}/metrics` (every
POLL_SECONDS after the previous answer, bounded) until its `ac` is the previous `ac` plus that
amount; the delay runs to the arrival of the first answer that shows it. So the resolution is
one poll interval plus one poll round trip (both recorded), and the figure includes the whole
pipeline: outbox relay (LISTEN/NOTIFY), Kafka, the consumer's batch transaction, the query.
Samples are sequential, over SAMPLER_PROJECTS projects of their own.

Twice: on an idle system, and while `bench.loadgen` (a separate process) offers LOAD_RATE
commands/s open-loop (wrk2-style pacing) to other projects. The baseline, measured right after
in the same conditions: the raw Kafka produce -> consume delay of a small message on the same
broker (aiokafka, the services' producer settings: idempotent, acks=all, linger 1 ms; a
read_committed consumer long-polling one partition), i.e. what Kafka alone costs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from bench.commands import _prepare_projects
from bench.common import PY, REPO, Context, Row, percentile
from pmo_shared.messaging.kafka import create_producer
from pmo_shared.web.auth import issue_dev_token

SAMPLES_IDLE = 200
SAMPLES_LOADED = 300
KAFKA_SAMPLES = 200
SAMPLER_PROJECTS = 20
LOAD_PROJECTS = 400
LOAD_RATE = 200
LOAD_WARMUP = 5.0
POLL_SECONDS = 0.002
SAMPLE_TIMEOUT = 10.0
PROBE_TOPIC = "bench.kafka-probe"
COST_DATE = "2025-06-30"  # after the projects' actual start (2025-01-02), before today


def _fmt3(values: list[float]) -> str:
    """p50 / p95 / p99 of seconds, in ms."""
    s = sorted(values)
    return " / ".join(f"{1000 * percentile(s, p):.1f}" for p in (50, 95, 99))


def _ms(values: list[float], pct: float) -> float:
    return 1000 * percentile(sorted(values), pct)


# --- the read-model probe ----------------------------------------------------------------------


class Sampler:
    """Sequential command -> read-model samples on its own projects."""

    def __init__(self, ctx: Context, project_ids: list[str], viewer_token: str) -> None:
        self.ctx = ctx
        self.ids = project_ids
        self.viewer = {"Authorization": f"Bearer {viewer_token}"}
        self.ac: dict[str, Decimal] = {}
        self.n = 0

    async def _metrics(self, client: httpx.AsyncClient, pid: str) -> dict[str, Any] | None:
        response = await client.get(f"/v1/reports/projects/{pid}/metrics", headers=self.viewer)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def wait_visible(self, deadline: float) -> None:
        """Every sampler project active in the read model; their current `ac`."""
        async with httpx.AsyncClient(base_url=self.ctx.env["REPORTING_URL"], timeout=10) as rc:
            for pid in self.ids:
                while True:
                    body = await self._metrics(rc, pid)
                    if body is not None and body["status"] == "active":
                        self.ac[pid] = Decimal(body["ac"])
                        break
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"project {pid} not active in reporting-svc in time")
                    await asyncio.sleep(0.05)

    async def run(self, count: int, deadline: float) -> dict[str, Any]:
        """`count` samples (fewer if `deadline` comes first): delays, command latencies, poll
        round trips, timeouts."""
        delays: list[float] = []
        commands: list[float] = []
        rtts: list[float] = []
        polls: list[int] = []
        timeouts = 0
        headers = {"Authorization": f"Bearer {self.ctx.token}"}
        async with (
            httpx.AsyncClient(
                base_url=self.ctx.env["PROJECT_URL"], headers=headers, timeout=10
            ) as pc,
            httpx.AsyncClient(base_url=self.ctx.env["REPORTING_URL"], timeout=10) as rc,
        ):
            for _ in range(count):
                if time.monotonic() > deadline:
                    break
                self.n += 1
                pid = self.ids[self.n % len(self.ids)]
                # Unique per sample: the cents and the units both come from the sample number.
                amount = Decimal(f"{100 + self.n}.{self.n % 97 + 1:02d}")
                expected = self.ac[pid] + amount
                body = {"amount": str(amount), "incurred_on": COST_DATE, "category": "bench"}
                sent = time.perf_counter()
                response = await pc.post(f"/v1/projects/{pid}/costs", json=body)
                answered = time.perf_counter()
                if response.status_code >= 300:
                    raise RuntimeError(f"cost command: {response.status_code} {response.text}")
                commands.append(answered - sent)
                self.ac[pid] = expected
                n_polls = 0
                while True:
                    t0 = time.perf_counter()
                    metrics = await self._metrics(rc, pid)
                    t1 = time.perf_counter()
                    rtts.append(t1 - t0)
                    n_polls += 1
                    if metrics is not None and Decimal(metrics["ac"]) == expected:
                        delays.append(t1 - answered)
                        polls.append(n_polls)
                        break
                    if t1 - answered > SAMPLE_TIMEOUT:
                        timeouts += 1
                        if metrics is not None:
                            self.ac[pid] = Decimal(metrics["ac"])
                        break
                    await asyncio.sleep(POLL_SECONDS)
        return {
            "delays": delays,
            "commands": commands,
            "rtts": rtts,
            "polls": polls,
            "timeouts": timeouts,
        }


# --- the Kafka baseline ------------------------------------------------------------------------


async def _ensure_probe_topic(bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-probe-admin")
    await admin.start()
    try:
        if PROBE_TOPIC not in set(await admin.list_topics()):
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(name=PROBE_TOPIC, num_partitions=1, replication_factor=1)]
                )
    finally:
        await admin.close()


async def kafka_probe(bootstrap: str, count: int, deadline: float) -> list[float]:
    """Seconds from `producer.send` of a small message to its arrival at a consumer."""
    await _ensure_probe_topic(bootstrap)
    tp = TopicPartition(PROBE_TOPIC, 0)
    producer = create_producer(bootstrap, client_id="bench-probe")
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        client_id="bench-probe",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await producer.start()
    await consumer.start()
    delays: list[float] = []
    try:
        consumer.assign([tp])
        await consumer.seek_to_end(tp)
        await consumer.position(tp)
        # A few unmeasured round trips: metadata, connections, the first fetch session.
        for i in range(count + 5):
            if time.monotonic() > deadline:
                break
            value = f"probe-{i}-{time.time_ns()}".encode()
            t0 = time.perf_counter()
            ack = await producer.send(PROBE_TOPIC, value=value, partition=0)
            while True:
                message = await asyncio.wait_for(consumer.getone(tp), timeout=10)
                if message.value == value:
                    break
            t1 = time.perf_counter()
            await ack
            if i >= 5:
                delays.append(t1 - t0)
    finally:
        await consumer.stop()
        await producer.stop()
    return delays


# --- the load process --------------------------------------------------------------------------


class LoadProcess:
    """`bench.loadgen` offering LOAD_RATE commands/s until stopped (by a stop file)."""

    def __init__(self, ctx: Context, ids_file: Path, seconds: float) -> None:
        self.stop_file = ctx.work / "loadgen.stop"
        self.out = ctx.work / "loadgen.json"
        self.log = ctx.work / "loadgen.log"
        self.stop_file.unlink(missing_ok=True)
        env = {**os.environ, "BENCH_TOKEN": ctx.token}
        with self.log.open("w") as fh:
            self.proc = subprocess.Popen(
                [
                    PY,
                    "-m",
                    "bench.loadgen",
                    ctx.env["PROJECT_URL"],
                    str(ids_file),
                    "--rate",
                    str(LOAD_RATE),
                    "--seconds",
                    str(int(seconds)),
                    "--warmup",
                    str(LOAD_WARMUP),
                    "--stop-file",
                    str(self.stop_file),
                    "--out",
                    str(self.out),
                ],
                cwd=REPO,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> dict[str, Any]:
        self.stop_file.touch()
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)
        if not self.out.exists():
            raise RuntimeError(f"load generator failed: {self.log.read_text()[-2000:]}")
        result: dict[str, Any] = json.loads(self.out.read_text())
        return result


# --- the benchmark -----------------------------------------------------------------------------


def _row(label: str, e2e: dict[str, Any], kafka: list[float], goal: str, met: bool | None) -> Row:
    delays = e2e["delays"]
    note = (
        f"n={len(delays)}, {e2e['timeouts']} timed out; poll every {POLL_SECONDS * 1000:.0f} ms "
        f"after the previous answer, poll round trip p50 {_ms(e2e['rtts'], 50):.1f} ms"
    )
    return Row(
        f"2 · end-to-end delay p50/p95/p99 ms, {label} ({note}; "
        f"vs raw Kafka produce→consume, n={len(kafka)})",
        _fmt3(delays),
        _fmt3(kafka),
        f"p50 {_ms(delays, 50) / max(_ms(kafka, 50), 1e-9):.1f}x",
        goal,
        met,
    )


def measure_end_to_end_delay(ctx: Context) -> list[Row]:
    """Item 2: command 2xx -> reporting read model, idle and at LOAD_RATE commands/s."""
    bootstrap = ctx.env["KAFKA_BOOTSTRAP_SERVERS"]
    viewer = issue_dev_token(
        ctx.env["JWT_SECRET"],
        sub="bench-viewer",
        tenant="bench",
        roles=["viewer"],
        ttl_seconds=3600,
    )
    t0 = time.monotonic()
    ids = asyncio.run(
        _prepare_projects(
            ctx.env["PROJECT_URL"],
            ctx.token,
            SAMPLER_PROJECTS + LOAD_PROJECTS,
            deadline=time.monotonic() + 180,
            jwt_secret=ctx.env["JWT_SECRET"],
        )
    )
    sampler_ids, load_ids = ids[:SAMPLER_PROJECTS], ids[SAMPLER_PROJECTS:]
    ids_file = ctx.work / "delay_load_ids.txt"
    ids_file.write_text("\n".join(load_ids) + "\n")
    sampler = Sampler(ctx, sampler_ids, viewer)
    asyncio.run(sampler.wait_visible(time.monotonic() + 120))
    ctx.note(f"item 2: prepared {len(ids)} active projects in {time.monotonic() - t0:.1f} s")
    ctx.settings.update(
        {
            "item 2 probe": f"sequential cost commands on {SAMPLER_PROJECTS} projects, each "
            f"followed by polling reporting metrics every {POLL_SECONDS * 1000:.0f} ms (viewer "
            f"token) until `ac` shows it; {SAMPLE_TIMEOUT:.0f} s cap per sample",
            "item 2 load": f"bench.loadgen (separate process, asyncio + httpx + uvloop, open "
            f"loop, wrk2-style: latency from each request's due time), {LOAD_RATE} commands/s "
            f"offered, progress / cost alternating over {LOAD_PROJECTS} other projects, "
            f"{LOAD_WARMUP:.0f} s before sampling",
            "item 2 baseline": "aiokafka produce -> consume of a ~30-byte message, one "
            "partition, the services' producer settings (idempotent, acks=all, linger 1 ms)",
        }
    )

    # Idle: nothing else running.
    asyncio.run(sampler.run(10, time.monotonic() + 20))  # warm-up, not counted
    idle = asyncio.run(sampler.run(SAMPLES_IDLE, time.monotonic() + 90))
    idle_kafka = asyncio.run(kafka_probe(bootstrap, KAFKA_SAMPLES, time.monotonic() + 30))
    ctx.note(
        f"item 2 idle: command p50 {_ms(idle['commands'], 50):.1f} ms, polls per sample p50 "
        f"{percentile(sorted(idle['polls']), 50):.0f}, max delay "
        f"{1000 * max(idle['delays'], default=0):.1f} ms"
    )

    # Under load: loadgen runs while the sampler and then the Kafka probe measure.
    load = LoadProcess(ctx, ids_file, seconds=LOAD_WARMUP + 150)
    try:
        time.sleep(LOAD_WARMUP)
        if not load.alive():
            raise RuntimeError(f"load generator exited early: {load.log.read_text()[-2000:]}")
        loaded = asyncio.run(sampler.run(SAMPLES_LOADED, time.monotonic() + 110))
        loaded_kafka = asyncio.run(kafka_probe(bootstrap, KAFKA_SAMPLES, time.monotonic() + 25))
        still_running = load.alive()
    finally:
        summary = load.stop()
    ctx.note(f"item 2 load generator: {json.dumps(summary)}")
    if not still_running:
        ctx.note("item 2: the load generator ended before the measurement did (its time cap)")
    ctx.note(
        f"item 2 under load: command p50 {_ms(loaded['commands'], 50):.1f} ms, polls per "
        f"sample p50 {percentile(sorted(loaded['polls']), 50):.0f}, max delay "
        f"{1000 * max(loaded['delays'], default=0):.1f} ms"
    )

    idle_p50 = _ms(idle["delays"], 50)
    loaded_p99 = _ms(loaded["delays"], 99)
    return [
        _row("idle", idle, idle_kafka, "p50 ≤ 20 ms", bool(idle["delays"]) and idle_p50 <= 20),
        _row(
            f"{LOAD_RATE} commands/s",
            loaded,
            loaded_kafka,
            "p99 ≤ 100 ms",
            bool(loaded["delays"]) and loaded["timeouts"] == 0 and loaded_p99 <= 100,
        ),
        Row(
            f"2 · the {LOAD_RATE} commands/s load: 2xx/s; latency p50/p95/p99 ms from due "
            "time; 409 / other / errors / dropped",
            f"{summary['ok_rate']:,.0f} /s of {summary['offered_rate']:,.0f} /s offered; "
            f"{summary['p50_due_ms']:.1f} / {summary['p95_due_ms']:.1f} / "
            f"{summary['p99_due_ms']:.1f}; {summary['conflict']} / {summary['other']} / "
            f"{summary['errors']} / {summary['dropped']}",
        ),
    ]
