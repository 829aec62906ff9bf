"""The outbox relay: publishes stored events to Kafka, in store order, at least once.

Exactly one relay per service is active: it holds a session-level advisory lock on a dedicated
connection (released by PostgreSQL when that connection ends, including on SIGKILL), and the
others wait as standbys. The active relay LISTENs for the outbox trigger's notification, so it
wakes as soon as a transaction that appended events commits, and polls as a fallback.

Writers notify only while the relay is idle (`pmo_shared.eventstore.ddl.RELAY_WAKE_DDL`): a
NOTIFY makes PostgreSQL commit the notifying transactions one at a time, so under load, when
the relay is busy anyway, nobody should. The relay is idle while it holds the idle lock on its
leader connection. Woken with work, it lets go of it and publishes batch after batch; when the
outbox stays empty for `busy_polls` looks `busy_poll` apart (a short poll while events keep
coming), it takes the idle lock again, which PostgreSQL grants only once every writer that did
not notify has committed, looks at the outbox once more and only then waits. A writer that
holds its transaction open keeps the relay from going idle: it takes the lock with a timeout
(`idle_lock_timeout`) and, when that passes, keeps polling.

A batch is removed from the outbox only after Kafka acknowledged every message of it. A crash
in between republishes the batch: consumers deduplicate by event id, so "at least once" here is
"exactly once" in every read model. Order within a stream holds because the outbox is read in
position order, a stream's positions increase with its versions, and the idempotent producer
keeps per-partition order across retries.

Every relay process, leader or standby, counts the outbox in a small loop of its own, once per
`backlog_interval`, into `pmo_outbox_backlog`: the gauge shows the events still waiting
whatever the relay is doing (publishing, standing by, retrying against a broker that is down),
and the publishing path never pays a query for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.database.errors import sqlstate
from pmo_shared.eventstore.ddl import OUTBOX_CHANNEL, RELAY_IDLE_KEY
from pmo_shared.eventstore.store import RecordedEvent, read_outbox_batch, remove_from_outbox
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.kafka import Kafka, create_producer
from pmo_shared.tasks import wait_any
from pmo_shared.telemetry import metrics

log = structlog.get_logger(__name__)

TopicFor = Callable[[str], str]
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout passed


# The backlog and the age of its oldest event (looked up by the outbox's first position only,
# so a long backlog costs no join).
_BACKLOG = text(
    """
    SELECT (SELECT count(*) FROM outbox),
           extract(epoch FROM clock_timestamp() - (
               SELECT e.recorded_at FROM events e
               WHERE e.position = (SELECT min(position) FROM outbox)))
    """
)


class OutboxRelay:
    """Drains one service's outbox into Kafka for as long as it holds the relay lock."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        service: str,
        bootstrap_servers: Kafka,
        topic_for: TopicFor,
        batch_size: int = 1000,
        poll_interval: float = 1.0,
        retry_backoff: float = 1.0,
        backlog_interval: float = 1.0,
        busy_poll: float = 0.002,
        busy_polls: int = 10,
        idle_lock_timeout: float = 0.1,
    ) -> None:
        self._engine = engine
        # Reading a batch and removing it are one statement each: no BEGIN and COMMIT around.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._service = service
        self._bootstrap_servers = bootstrap_servers
        self._topic_for = topic_for
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._retry_backoff = retry_backoff
        self._backlog_interval = backlog_interval
        self._busy_poll = busy_poll
        self._busy_polls = busy_polls
        self._idle_lock_timeout = idle_lock_timeout
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set; survives database and broker outages by retrying."""
        backlog = asyncio.create_task(self._watch_backlog(stop))
        try:
            while not stop.is_set():
                try:
                    async with self._leadership() as leader:
                        if leader is None:
                            await wait_any(stop, timeout=self._poll_interval)
                            continue
                        await self._relay_while_leader(leader, stop)
                except Exception:
                    metrics.RELAY_ERRORS.labels(self._service).inc()
                    log.exception("relay.failed", service=self._service)
                    await self._drop_producer()
                    await wait_any(stop, timeout=self._retry_backoff)
        finally:
            if not stop.is_set():  # cancelled: a stop ends the backlog loop by itself
                backlog.cancel()
            await asyncio.wait([backlog])
            await self._drop_producer()

    async def _watch_backlog(self, stop: asyncio.Event) -> None:
        """Measure the outbox once per `backlog_interval` until `stop` is set."""
        while not stop.is_set():
            try:
                await self._record_backlog()
            except Exception as exc:
                # The database is away: keep the last value, the next look will correct it.
                log.warning("relay.backlog_unknown", service=self._service, error=repr(exc))
            await wait_any(stop, timeout=self._backlog_interval)

    @contextlib.asynccontextmanager
    async def _leadership(self) -> AsyncIterator[AsyncConnection | None]:
        async with self._engine.connect() as conn:
            got = (
                await conn.execute(
                    text("SELECT pg_try_advisory_lock(hashtext('pmo-relay:' || current_schema()))")
                )
            ).scalar_one()
            await conn.commit()
            if not got:
                yield None
                return
            metrics.RELAY_ACTIVE.labels(self._service).set(1)
            log.info("relay.leader", service=self._service)
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            await raw.add_listener(OUTBOX_CHANNEL, self._on_notify)
            try:
                yield conn
            finally:
                metrics.RELAY_ACTIVE.labels(self._service).set(0)
                with contextlib.suppress(Exception):
                    await raw.remove_listener(OUTBOX_CHANNEL, self._on_notify)
                    await conn.execute(text("SELECT pg_advisory_unlock_all()"))
                    await conn.commit()

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        # Services may share one database in separate schemas; all notify on one channel.
        del payload
        self._wake.set()

    async def _relay_while_leader(self, leader: AsyncConnection, stop: asyncio.Event) -> None:
        idle = False  # holding the idle lock: writers notify
        empty = 0  # empty looks in a row while busy
        while not stop.is_set():
            self._wake.clear()
            published = await self.publish_batch()
            if published:
                empty = 0
                if idle:  # work came: from now on writers need not notify
                    await self._set_idle(leader, False)
                    idle = False
                continue
            if not idle:
                empty += 1
                if empty < self._busy_polls:
                    await wait_any(stop, self._wake, timeout=self._busy_poll)
                    continue
                # Every writer that did not notify has committed once this returns True:
                # look once more before waiting.
                idle = await self._set_idle(leader, True)
                empty = 0
                continue
            await wait_any(stop, self._wake, timeout=self._poll_interval)
            # A lost leader connection means a lost lock: find out before publishing more.
            # Commit at once: PostgreSQL holds notifications back from a session that is
            # inside a transaction, and then only the poll would wake the relay.
            await leader.execute(text("SELECT 1"))
            await leader.commit()

    async def _set_idle(self, leader: AsyncConnection, idle: bool) -> bool:
        """Take (idle) or let go of the idle lock on the leader connection; whether it is held
        now. Taking it waits for the writers that hold it shared (those that did not notify),
        `idle_lock_timeout` at most: a longer wait leaves the relay busy, polling."""
        if not idle:
            await leader.execute(text(f"SELECT pg_advisory_unlock({RELAY_IDLE_KEY})"))
            await leader.commit()
            return False
        timeout = f"{max(1, round(self._idle_lock_timeout * 1000))}ms"
        try:
            await leader.execute(
                text("SELECT set_config('lock_timeout', :t, true)"), {"t": timeout}
            )
            await leader.execute(text(f"SELECT pg_advisory_lock({RELAY_IDLE_KEY})"))
            await leader.commit()
        except DBAPIError as exc:
            if sqlstate(exc) != LOCK_NOT_AVAILABLE:
                raise
            await leader.rollback()
            log.debug("relay.idle_lock_timeout", service=self._service)
            return False
        return True

    async def publish_batch(self) -> int:
        """Publish the oldest queued events and remove them from the outbox; returns how many."""
        async with self._autocommit.connect() as conn:
            batch = await read_outbox_batch(conn, limit=self._batch_size)
        if not batch:
            return 0
        await self._publish(batch)
        async with self._autocommit.connect() as conn:
            await remove_from_outbox(conn, positions=[e.position for e in batch])
        metrics.EVENTS_PUBLISHED.labels(self._service).inc(len(batch))
        return len(batch)

    async def _publish(self, batch: list[RecordedEvent]) -> None:
        producer = await self._ensure_producer()
        acks = []
        for recorded in batch:
            message = cloudevents.encode(recorded.envelope)
            acks.append(
                await producer.send(
                    self._topic_for(recorded.envelope.stream_type),
                    value=message.value,
                    key=message.key,
                    headers=message.headers,
                )
            )
        await asyncio.gather(*acks)

    async def _record_backlog(self) -> None:
        async with self._engine.connect() as conn:
            count, age = (await conn.execute(_BACKLOG)).one()
        metrics.OUTBOX_BACKLOG.labels(self._service).set(count)
        metrics.OUTBOX_OLDEST_AGE.labels(self._service).set(float(age or 0))

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = create_producer(self._bootstrap_servers, client_id=f"{self._service}-relay")
            await producer.start()
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        # After a failed send the idempotent producer's sequence state is suspect: start afresh.
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), timeout=5)
