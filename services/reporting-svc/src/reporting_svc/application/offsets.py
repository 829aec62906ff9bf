"""Where a consumer group stands on a topic: committed offset, end offset and lag per
partition."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from pmo_shared.messaging.kafka import Kafka, options_of


class TopicUnavailableError(Exception):
    """Kafka could not describe a topic (missing, or its metadata is not available now)."""


@dataclass(frozen=True, slots=True)
class PartitionOffsets:
    """One partition of a topic as a group sees it."""

    topic: str
    partition: int
    committed: int
    end: int

    @property
    def lag(self) -> int:
        """Messages on the partition the group has not committed yet."""
        return max(self.end - self.committed, 0)


class OffsetReader:
    """Reads end offsets and a group's committed offsets (one admin and one plain consumer)."""

    def __init__(self, bootstrap_servers: Kafka) -> None:
        self._servers = bootstrap_servers
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def group_offsets(self, group_id: str, topics: tuple[str, ...]) -> list[PartitionOffsets]:
        """Committed and end offsets of every partition of `topics` for `group_id`."""
        admin, consumer = await self._clients()
        partitions = _partitions_of(await admin.describe_topics(list(topics)), topics)
        ends = await consumer.end_offsets(partitions) if partitions else {}
        committed = await admin.list_consumer_group_offsets(group_id)
        return [
            PartitionOffsets(
                tp.topic, tp.partition, max(_offset(committed.get(tp)), 0), int(ends.get(tp, 0))
            )
            for tp in partitions
        ]

    async def close(self) -> None:
        """Release the clients."""
        admin, consumer, self._admin, self._consumer = self._admin, self._consumer, None, None
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._consumer is None:
            await self.close()
            admin = AIOKafkaAdminClient(**options_of(self._servers))
            consumer = AIOKafkaConsumer(**options_of(self._servers), group_id=None)
            try:
                await admin.start()
                await consumer.start()
            except Exception:
                self._admin, self._consumer = admin, consumer
                await self.close()
                raise
            self._admin, self._consumer = admin, consumer
        return self._admin, self._consumer


def _partitions_of(
    described: list[dict[str, Any]], topics: tuple[str, ...]
) -> list[TopicPartition]:
    # A topic Kafka cannot describe comes back with an error code and no partitions: refuse
    # rather than answer "nothing on it", or a rebuild would look caught up while empty.
    usable = {t["topic"] for t in described if t["error_code"] == 0 and t["partitions"]}
    missing = sorted(set(topics) - usable)
    if missing:
        raise TopicUnavailableError(f"cannot describe the topics {', '.join(missing)}")
    return sorted(
        TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]
    )


def _offset(meta: object) -> int:
    return int(getattr(meta, "offset", -1)) if meta is not None else -1
