"""Item 6: scale out. The same rebuild of reporting-svc's `project-reports` projection (EVENTS
events, item 3's plain set) by ONE consumer process and by TWO processes in one consumer group,
same run, taking turns (ROUNDS: one, two, one, two; each count pooled over its rebuilds).

*One process* is the stack's reporting-svc API process as deployed (it feeds the read models
itself, `RUN_PROJECTIONS` true). *Two* adds one `reporting-consumer` process
(`python -m reporting_svc.consumer_main`, the same settings as the API process, its own port):
every process's supervisor runs a consumer of each live and building generation, all in the
generation's group, so the two split the topic's partitions (6) and each commits its own
batches with their processed-event records. The second process is started before its rebuild
is requested (ready on `/readyz`) and stopped (SIGTERM) after it.

Rate = the new generation's `events_applied` / (`switched_at` - `started_at`), stamped by
PostgreSQL, as item 3. While a rebuild runs, the building group's members are counted
(Kafka's describe-groups) and the two-process figure is refused unless both held partitions.
Before each rebuild PostgreSQL is let settle (item 3's `settle`). Nothing else of the bench
runs meanwhile; the load average before and after each rebuild goes into the details.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient

from bench import rebuild
from bench.common import PY, REPO, Context, Row, fmt_rate, fmt_ratio

PROJECTS = 10_000
EVENTS = PROJECTS * rebuild.EVENTS_PER_PROJECT
ROUNDS = (1, 2, 1, 2)
PORT_OFFSET = 8  # the extra process listens on REPORTING_PORT + 8 (28012 in the bench stack)
READY_SECONDS = 60


def _service_env(ctx: Context) -> dict[str, str]:
    """The running reporting-svc's own environment (as stack.sh started it)."""
    pid = int((Path(ctx.env["PMO_DATA_DIR"]) / "run" / "reporting-svc.pid").read_text().strip())
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    env = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
    env["PORT"] = str(int(ctx.env["REPORTING_PORT"]) + PORT_OFFSET)
    return env


def _start_consumer(ctx: Context) -> subprocess.Popen[bytes]:
    """One `reporting-consumer` process, ready (its `/readyz` answers 200)."""
    env = _service_env(ctx)
    log = (ctx.work / "reporting-consumer.log").open("ab")
    process = subprocess.Popen(
        [PY, "-m", "reporting_svc.consumer_main"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{env['PORT']}/readyz"
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"reporting-consumer exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    _stop(process)
    raise TimeoutError("reporting-consumer not ready in time")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


async def _members(bootstrap: str, group: str) -> int:
    """How many members of the group hold partitions now (0 while it is not stable)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-scaleout-admin")
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    info = described[0].groups[0]
    state, members = info[2], info[5]
    if state != "Stable":
        return 0
    # An assignment naming no topic is 10 bytes (version, empty topic array, empty user data).
    return sum(1 for member in members if len(member[-1]) > 12)


async def _rebuild(ctx: Context, deadline: float) -> dict[str, Any]:
    """One rebuild, its rate stamped by PostgreSQL, and the most members seen holding
    partitions of its group while it ran."""
    reporting = rebuild.Reporting(ctx)
    bootstrap = ctx.env["KAFKA_BOOTSTRAP_SERVERS"]
    try:
        number = await reporting.rebuild()
        group = f"reporting.{rebuild.PROJECTION}.g{number}"
        members = 0
        while time.monotonic() < deadline:
            gens = await reporting.generations()
            done = next((g for g in gens if g["generation"] == number), None)
            if done is not None and done["status"] == "live":
                seconds = rebuild._seconds_between(done["started_at"], done["switched_at"])
                return {
                    "generation": number,
                    "events_applied": int(done["events_applied"]),
                    "dead_letters": int(done["dead_letters"]),
                    "db_seconds": seconds,
                    "members": members,
                }
            try:
                members = max(members, await _members(bootstrap, group))
            except Exception:  # the group may not exist yet
                members = max(members, 0)
            await asyncio.sleep(rebuild.STATUS_POLL_SECONDS)
        raise TimeoutError(f"generation {number} not live in time")
    finally:
        await reporting.close()


def _prepare(ctx: Context) -> None:
    """Item 3's plain set alone on the topic, consumed by the live generation."""
    bootstrap = ctx.env["KAFKA_BOOTSTRAP_SERVERS"]
    asyncio.run(rebuild.clear_topic(bootstrap))
    messages = rebuild.build_messages(PROJECTS, kind="plain")
    rebuild.check_decodes(messages)
    caught = asyncio.run(rebuild._catch_up(ctx, messages, time.monotonic() + 600))
    ctx.note(f"item 6: {len(messages):,} events on the topic, live generation caught up: {caught}")


def measure_scaleout(ctx: Context) -> list[Row]:
    """Item 6: rebuild events/s with two consumer processes in one group vs one."""
    ctx.settings["item 6 scale out"] = (
        f"rebuild of {EVENTS:,} events (item 3's plain set), by reporting-svc's API process "
        "alone and with one `reporting-consumer` process beside it (one consumer group, 6 "
        f"partitions), in turns {', '.join(map(str, ROUNDS))}"
    )
    _prepare(ctx)
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for processes in ROUNDS:
        settled = asyncio.run(rebuild.settle(ctx.database_url))
        extra = _start_consumer(ctx) if processes == 2 else None
        load_before = os.getloadavg()[0]
        try:
            deadline = time.monotonic() + min(600, max(60, ctx.left() - 30))
            result = asyncio.run(_rebuild(ctx, deadline))
        finally:
            if extra is not None:
                _stop(extra)
        result["load_before_after"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        result["settle"] = settled
        ctx.note(f"item 6 {processes} process(es): {json.dumps(result)}")
        if processes == 2 and result["members"] < 2:
            raise RuntimeError("item 6: the second consumer process never held partitions")
        if result["dead_letters"] or result["events_applied"] != EVENTS:
            raise RuntimeError(f"item 6: the rebuild was not clean: {result}")
        runs[processes].append(result)

    def rate(results: list[dict[str, Any]]) -> float:
        events = sum(int(r["events_applied"]) for r in results)
        return events / sum(float(r["db_seconds"]) for r in results)

    one, two = rate(runs[1]), rate(runs[2])
    seconds = {n: " and ".join(f"{r['db_seconds']:.1f} s" for r in runs[n]) for n in runs}
    return [
        Row(
            f"6 · scale out, 2 reporting consumer processes in one group (rebuild of "
            f"{EVENTS:,} events, {len(runs[2])} rebuilds each: {seconds[2]} vs one process "
            f"{seconds[1]})",
            fmt_rate(two, "events/s"),
            fmt_rate(one, "events/s"),
            fmt_ratio(two, one),
            "≥ 1.4x",
            two / one >= 1.4,
        )
    ]
