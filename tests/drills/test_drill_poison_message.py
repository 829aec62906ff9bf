"""Drill: poison messages. A consumer meets an event of a version it cannot decode and one its
projection refuses; both are dead-lettered and the rest goes on. The fix is deployed (the v2
upcaster, a projection without the limit), `pmoctl dlq replay` re-publishes them (the first
into the ledger projection only), and each is applied exactly once: a second replay changes
nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.messaging.consumer import ConsumerRunner

from .drill_kit import (
    LedgerProjection,
    PaymentReceived,
    PaymentReceivedV1,
    caught_up,
    consumer,
    eventually,
    ledger,
    message,
    pmoctl,
    publish,
    registry_v1,
    registry_v2,
    running,
)

pytestmark = pytest.mark.integration
LIMIT_CENTS = 100_000


async def _scalar(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def test_poison_messages_are_fixed_and_replayed_exactly_once(
    drill_schema: tuple[str, AsyncEngine], kafka_servers: str, topic: str, dead_letter_topic: str
) -> None:
    schema, engine = drill_schema
    group = f"drill-ledger-{uuid.uuid4().hex[:8]}"
    ok, unknown, refused, after = (uuid.uuid4() for _ in range(4))
    await publish(
        kafka_servers,
        topic,
        [
            message(ok, 1, PaymentReceivedV1(amount=5)),
            message(unknown, 1, PaymentReceived(amount_cents=1250, currency="USD")),
            message(refused, 1, PaymentReceivedV1(amount=5000)),
            message(after, 1, PaymentReceivedV1(amount=7)),
        ],
    )
    dsn = ["--database-url", engine.url.render_as_string(hide_password=False), "--schema", schema]
    broker = ["--bootstrap-servers", kafka_servers]

    def runner(registry_version: int, max_cents: int | None) -> ConsumerRunner:
        projection = LedgerProjection(name="drill-ledger", topics=[topic], max_cents=max_cents)
        registry = registry_v1() if registry_version == 1 else registry_v2()
        return consumer(
            engine,
            projection,
            registry,
            servers=kafka_servers,
            dead_letter_topic=dead_letter_topic,
            group=group,
        )

    async def rows() -> int:
        return len(await ledger(engine))

    # v1 code: the v2 event cannot be decoded, the large payment is refused; the rest applies.
    async with running(runner(1, LIMIT_CENTS)):
        await eventually(lambda: _is(rows(), 2), what="the good payments")
        await eventually(
            lambda: _is(_scalar(engine, "SELECT count(*) FROM dead_letters"), 2),
            what="two dead letters",
        )
    listing = await pmoctl("dlq", "list", *dsn)
    assert "2 dead letter(s), 2 open" in listing
    assert "UnknownEventError" in listing
    assert "above this projection's limit" in listing
    ids = sorted(int(i) for i in re.findall(r"│\s*(\d+)\s*│\s*drill-ledger", listing))
    assert len(ids) == 2
    shown = await pmoctl("dlq", "show", str(ids[0]), *dsn, *broker)
    assert "amount_cents" in shown
    assert "ce_schemaversion" in shown

    # The fix is deployed: the v2 upcaster, and no limit. Replay one, then all that are open.
    async with running(runner(2, None)):
        one = await pmoctl(
            "dlq", "replay", str(ids[0]), "--into-projection", "drill-ledger", *dsn, *broker
        )
        assert "1 dead letter(s) replayed into drill-ledger" in one
        await eventually(lambda: _is(rows(), 3), what="the replayed v2 payment")
        replayed = await pmoctl("dlq", "replay", "--all", *dsn, *broker)
        assert "1 dead letter(s) replayed" in replayed
        await eventually(lambda: _is(rows(), 4), what="the replayed refused payment")
        # Twice more, each: skipped as processed.
        for letter in ids:
            await pmoctl("dlq", "replay", str(letter), *dsn, *broker)
        await eventually(lambda: caught_up(kafka_servers, group, topic), what="replays consumed")

    assert {(r[0], r[3], r[4]) for r in await ledger(engine)} == {
        (ok, 500, "EUR"),
        (unknown, 1250, "USD"),
        (refused, 500_000, "EUR"),
        (after, 700, "EUR"),
    }
    assert await _scalar(engine, "SELECT count(*) FROM processed_events") == 4
    assert await _scalar(engine, "SELECT count(*) FROM dead_letters") == 2
    again = await pmoctl("dlq", "list", *dsn)
    assert "2 dead letter(s), 0 open" in again
    nothing = await pmoctl("dlq", "replay", "--all", *dsn, *broker)
    assert "0 dead letter(s) replayed" in nothing


async def _is(value: Awaitable[object], expected: object) -> bool:
    return await value == expected
