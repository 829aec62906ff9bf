"""Scaling a consumer out: two runner processes in one consumer group share the topic's
partitions, each event's effect lands exactly once and in stream order, and when one member is
killed mid-stream the other takes its partitions over without losing or doubling anything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .kit import counts, eventually
from .test_relay import append_round_robin, relay_task  # noqa: F401

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent
STREAMS = 100
ROUNDS = 20


async def _scalar(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def _members(servers: str, group: str) -> list[bytes]:
    """The partition assignments of a group's members, once the group is stable."""
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    group_info = described[0].groups[0]
    _error, _group, state, _kind, _protocol, members = group_info[:6]
    if state != "Stable":
        return []
    return [member[-1] for member in members]


@pytest.mark.usefixtures("relay_task")
async def test_two_members_of_one_group_share_the_partitions_and_apply_each_event_once(
    engine: AsyncEngine,
    store_schema: tuple[str, AsyncEngine],
    database_url: str,
    kafka_servers: str,
    topic: str,
) -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    argv = [
        sys.executable,
        str(HERE / "consumer_process.py"),
        database_url,
        store_schema[0],
        kafka_servers,
        topic,
        group,
    ]
    members = [subprocess.Popen(argv, env=os.environ.copy()) for _ in range(2)]
    try:

        async def both_assigned() -> bool:
            assignments = await _members(kafka_servers, group)
            # a member with partitions has an assignment longer than the empty one's
            return len(assignments) == 2 and all(len(a) > 12 for a in assignments)

        await eventually(both_assigned, timeout=90, what="both members assigned partitions")
        streams = [uuid.uuid4() for _ in range(STREAMS)]
        await append_round_robin(engine, streams, rounds=ROUNDS)

        async def some_processed() -> bool:
            return await _scalar(engine, "SELECT count(*) FROM processed_events") >= 200

        await eventually(some_processed, timeout=90, what="the first events applied")
        members[0].send_signal(signal.SIGKILL)  # mid-stream, maybe mid-batch
        members[0].wait(timeout=20)

        async def all_processed() -> bool:
            done = await _scalar(engine, "SELECT count(*) FROM processed_events")
            return done >= STREAMS * ROUNDS

        await eventually(all_processed, timeout=120, what="every event applied")
    finally:
        for member in members:
            if member.poll() is None:
                member.terminate()
                member.wait(timeout=20)

    assert await _scalar(engine, "SELECT count(*) FROM processed_events") == STREAMS * ROUNDS
    # An event applied out of its stream's order would have been refused: a dead letter.
    assert await _scalar(engine, "SELECT count(*) FROM dead_letters") == 0
    assert await counts(engine) == {s: (sum(range(1, ROUNDS + 1)), ROUNDS) for s in streams}
