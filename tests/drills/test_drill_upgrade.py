"""Drill: an upgrade. v1 events are in the store and on the topic, applied by v1 code; the
readers are upgraded to v2 (with its upcaster) while they keep running from their offsets, then
the writers append v2. Old and new events read alike (in the store and in the read model), and
a rebuild from the beginning of the topic with the v2 code is identical to the live ledger that
v1 and v2 code built together."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.eventstore import store
from pmo_shared.messaging.consumer import ConsumerRunner
from pmo_shared.messaging.relay import OutboxRelay

from .drill_kit import (
    METADATA,
    LedgerProjection,
    PaymentReceived,
    PaymentReceivedV1,
    append,
    consumer,
    eventually,
    ledger,
    registry_v1,
    registry_v2,
    running,
)

pytestmark = pytest.mark.integration


async def test_v1_and_v2_read_alike_and_a_rebuild_is_identical(
    drill_schema: tuple[str, AsyncEngine], kafka_servers: str, topic: str, dead_letter_topic: str
) -> None:
    _, engine = drill_schema
    accounts = [uuid.uuid4() for _ in range(10)]
    group = f"drill-upgrade-{uuid.uuid4().hex[:8]}"
    relay = OutboxRelay(
        engine, service="drill-upgrade", bootstrap_servers=kafka_servers, topic_for=lambda _: topic
    )

    def live() -> LedgerProjection:
        return LedgerProjection(name="drill-live", topics=[topic])

    def runner(
        projection: LedgerProjection, registry_version: int, group_id: str
    ) -> ConsumerRunner:
        return consumer(
            engine,
            projection,
            registry_v1() if registry_version == 1 else registry_v2(),
            servers=kafka_servers,
            dead_letter_topic=dead_letter_topic,
            group=group_id,
        )

    async def has(table: str, count: int) -> bool:
        return len(await ledger(engine, table)) == count

    # Before the upgrade: v1 writers, v1 readers.
    async with running(relay, runner(live(), 1, group)):
        for account in accounts:
            await append(engine, account, 0, [PaymentReceivedV1(amount=a) for a in (1, 2)])
        await eventually(lambda: has("ledger", 20), what="v1 applied by v1 code")

    # The readers are upgraded first (same group: they go on from their offsets); then the
    # writers append v2, next to more v1 still in flight from a writer not yet upgraded.
    async with running(relay, runner(live(), 2, group)):
        for account in accounts:
            await append(engine, account, 2, [PaymentReceivedV1(amount=3)])
            await append(engine, account, 3, [PaymentReceived(amount_cents=450, currency="USD")])
        await eventually(lambda: has("ledger", 40), what="v1 and v2 applied by v2 code")

    expected = [(1, 100, "EUR"), (2, 200, "EUR"), (3, 300, "EUR"), (4, 450, "USD")]
    built = await ledger(engine)
    assert {a: [(r[1], r[3], r[4]) for r in built if r[0] == a] for a in accounts} == dict.fromkeys(
        accounts, expected
    )
    # The store keeps each event as written (v1 stays v1); read with v2, all are v2.
    async with engine.connect() as conn:
        history = await store.read_stream(conn, stream_id=accounts[0], tenant_id=METADATA.tenant_id)
    assert [r.envelope.schema_version for r in history] == [1, 1, 1, 2]
    assert [registry_v2().decode_envelope(r.envelope) for r in history] == [
        PaymentReceived(amount_cents=c, currency=k) for _, c, k in expected
    ]

    # A rebuild from the beginning of the topic with the v2 code: identical.
    rebuild = LedgerProjection(name="drill-rebuild", topics=[topic], table="ledger_rebuild")
    async with running(runner(rebuild, 2, f"{group}-rebuild")):
        await eventually(lambda: has("ledger_rebuild", 40), what="the rebuild")
    assert await ledger(engine, "ledger_rebuild") == built
