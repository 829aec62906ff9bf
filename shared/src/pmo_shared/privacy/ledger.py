"""The erasure ledger: after a restore, erase again whoever was erased after the backup.

Keys travel in a database backup (the key store is a table of the service's database), so a
restore from a backup made before an erasure brings the destroyed key back. The erasures are
also recorded on the privacy topic (`DataSubjectErased`, kept forever, no personal data), which
no database backup holds. Each API process reads that topic from its beginning once at start
and re-applies every erasure of a subject its store still holds live; until it has, its
`/readyz` says not ready, so no traffic reaches a process that could show an erased person.
"""

from __future__ import annotations

import asyncio
import uuid

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.domain.events import DataSubjectErased, EventMetadata
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.kafka import Kafka, options_of
from pmo_shared.messaging.topics import PRIVACY_EVENTS_TOPIC
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.privacy.subjects import reapply
from pmo_shared.tasks import wait_any

log = structlog.get_logger(__name__)


class ErasureLedger:
    """Replays the privacy topic into this service's key store once, at start."""

    def __init__(
        self,
        engine: AsyncEngine,
        keys: KeyStore,
        *,
        bootstrap_servers: Kafka,
        service: str,
        topic: str = PRIVACY_EVENTS_TOPIC,
        retry_seconds: float = 2.0,
    ) -> None:
        self._engine = engine
        self._keys = keys
        self._servers = bootstrap_servers
        self._service = service
        self._topic = topic
        self._retry = retry_seconds
        self.replayed = asyncio.Event()
        self.reapplied = 0

    async def check_ready(self) -> None:
        """A readiness probe: ready once the ledger was replayed."""
        if not self.replayed.is_set():
            raise RuntimeError("the erasure ledger has not been replayed yet")

    async def run(self, stop: asyncio.Event) -> None:
        """Replay once, retrying while Kafka is unreachable; then idle until stopped."""
        while not stop.is_set() and not self.replayed.is_set():
            try:
                await self.replay()
                self.replayed.set()
            except Exception as exc:
                log.warning("erasure_ledger_replay_failed", error=repr(exc))
                await wait_any(stop, timeout=self._retry)
        await stop.wait()

    async def replay(self) -> int:
        """Read the topic to its current end; re-apply what this store no longer shows."""
        consumer = AIOKafkaConsumer(
            **options_of(self._servers),
            client_id=f"{self._service}-erasure-ledger",
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        await consumer.start()
        try:
            # the consumer's own metadata lists only what it was assigned: ask the cluster
            cluster = await consumer._client.fetch_all_metadata()
            numbers = cluster.partitions_for_topic(self._topic)
            if not numbers:
                raise RuntimeError(f"topic {self._topic} does not exist (run pmo-topics)")
            partitions = [TopicPartition(self._topic, p) for p in sorted(numbers)]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            done = 0
            while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
                batch = await consumer.getmany(*partitions, timeout_ms=1000, max_records=500)
                for messages in batch.values():
                    for message in messages:
                        done += await self._apply(message.value, list(message.headers))
            self.reapplied += done
            log.info("erasure_ledger_replayed", reapplied=done)
            return done
        finally:
            await consumer.stop()

    async def _apply(self, value: bytes | None, headers: list[tuple[str, bytes]]) -> int:
        try:
            envelope = cloudevents.decode(value, headers)
        except ValueError:
            return 0
        if envelope.event_type != DataSubjectErased.event_type:
            return 0
        erasure = DataSubjectErased.model_validate(envelope.payload)
        metadata = EventMetadata(
            tenant_id=envelope.tenant_id,
            actor=f"system:{self._service}",
            correlation_id=str(uuid.uuid4()),
            causation_id=str(envelope.event_id),
        )
        return int(await reapply(self._engine, self._keys, erasure=erasure, metadata=metadata))
