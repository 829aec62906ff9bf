"""Kafka clients configured the one way the kernel uses them."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


def create_producer(bootstrap_servers: str, *, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer: acks from all in-sync replicas, no duplicates from retries, and
    (aiokafka sends one request per partition at a time) per-partition order kept."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        # Under load batches fill while the previous request is in flight; an idle system
        # should not wait for company (the end-to-end delay goal is tens of milliseconds).
        linger_ms=1,
        max_batch_size=256 * 1024,
        compression_type=None,
        request_timeout_ms=15000,
    )


def create_consumer(
    bootstrap_servers: str, *, group_id: str, client_id: str, max_records: int = 500
) -> AIOKafkaConsumer:
    """A group consumer that never commits on its own: the runner commits after the database."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=max_records,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )
