"""The Kafka broker SIGKILLed while events are appended: the store keeps accepting writes, and
the outbox drains into the restarted broker with nothing lost."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.eventstore import store
from pmo_shared.messaging.relay import OutboxRelay

from .kit import (
    METADATA,
    CounterIncremented,
    backlog_shows,
    create_topic,
    eventually,
    outbox_backlog,
    outbox_oldest_age,
    read_topic,
)
from .test_relay import assert_complete_and_ordered, outbox_size

pytestmark = pytest.mark.integration
KAFKA_SH = Path(__file__).resolve().parents[3] / "deploy" / "local" / "kafka.sh"


class Broker:
    """A throwaway single-node broker of our own, so killing it disturbs no other test."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port_pair()
        self.env = {
            **os.environ,
            "KAFKA_PORT": str(self.port),
            "KAFKA_DIR": str(directory),
            "KAFKA_HEAP": "384m",
        }
        self.servers = f"127.0.0.1:{self.port}"

    def run(self, command: str) -> None:
        subprocess.run([str(KAFKA_SH), command], env=self.env, check=True, timeout=120)


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a, socket.socket() as b:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return int(port)
    raise RuntimeError("no free port pair")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    own = Broker(tmp_path / "kafka")
    own.run("start")
    yield own
    own.run("stop")


async def test_appends_survive_a_broker_crash_and_the_outbox_drains_after_restart(
    engine: AsyncEngine, broker: Broker
) -> None:
    topic = await create_topic(broker.servers)
    streams = [uuid.uuid4() for _ in range(50)]
    rounds = 40
    killed = asyncio.Event()
    stop = asyncio.Event()
    relay = OutboxRelay(
        engine,
        service="outage-test",
        bootstrap_servers=broker.servers,
        topic_for=lambda _: topic,
        poll_interval=0.2,
        retry_backoff=0.5,
    )
    relay_task = asyncio.create_task(relay.run(stop))

    async def appender() -> None:
        for version in range(rounds):
            if version == rounds // 4:
                await killed.wait()  # the rest is appended while the broker is dead
            async with engine.begin() as conn:
                for stream in streams:
                    await store.append(
                        conn,
                        stream_type="counter",
                        stream_id=stream,
                        expected_version=version,
                        events=[CounterIncremented(amount=1)],
                        metadata=METADATA,
                    )

    appending = asyncio.create_task(appender())
    try:
        await read_topic(broker.servers, topic, until=lambda m: len(m) >= 250)
        broker.run("kill")
        killed.set()
        await asyncio.wait_for(appending, timeout=120)  # appends never needed Kafka
        assert await outbox_size(engine) > 0
        await eventually(_backlog_is_outbox(engine), what="the backlog gauge during the outage")
        await eventually(
            _oldest_waits_longer_than(1.0), what="the oldest waiting event's age growing"
        )

        broker.run("start")
        await eventually(_drained(engine), timeout=120, what="outbox drained after restart")
        await eventually(backlog_shows("outage-test", 0), what="the drained backlog measured")
        assert outbox_oldest_age("outage-test") == 0
        expected = len(streams) * rounds
        messages = await read_topic(broker.servers, topic, until=lambda m: len(m) >= expected)
    finally:
        stop.set()
        await asyncio.wait_for(relay_task, timeout=30)
    assert_complete_and_ordered(messages, streams, rounds, exactly_once=False)


def _drained(engine: AsyncEngine) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await outbox_size(engine) == 0

    return check


def _oldest_waits_longer_than(seconds: float) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return (outbox_oldest_age("outage-test") or 0) > seconds

    return check


def _backlog_is_outbox(engine: AsyncEngine) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return outbox_backlog("outage-test") == await outbox_size(engine) > 0

    return check
