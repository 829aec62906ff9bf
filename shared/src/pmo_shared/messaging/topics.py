"""The Kafka topics of the system, and `pmo-topics`, which creates them (idempotently).

Event topics keep their data forever (retention -1): they are the system's shared history, and
read models are rebuilt from their beginning. The dead-letter topic keeps messages for 30 days.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from pmo_shared.messaging.kafka import Kafka, from_environ, options_of, servers_of

log = logging.getLogger(__name__)

PROJECT_EVENTS_TOPIC: Final = "pmo.project.events"
PROGRAM_EVENTS_TOPIC: Final = "pmo.program.events"
PORTFOLIO_EVENTS_TOPIC: Final = "pmo.portfolio.events"
PRIVACY_EVENTS_TOPIC: Final = "pmo.privacy.events"
"""Every service's erasure records (`DataSubjectErased`): the ledger a service replays after a
restore, so that an erasure made after its backup is made again. Names no personal data."""
DEAD_LETTER_TOPIC: Final = "pmo.dead-letter"

EVENT_TOPICS: Final[tuple[str, ...]] = (
    PROJECT_EVENTS_TOPIC,
    PROGRAM_EVENTS_TOPIC,
    PORTFOLIO_EVENTS_TOPIC,
    PRIVACY_EVENTS_TOPIC,
)

TOPIC_BY_STREAM_TYPE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "project": PROJECT_EVENTS_TOPIC,
        # A Project Office lives and dies with its project: same topic, so one consumer sees both
        # in order.
        "project_office": PROJECT_EVENTS_TOPIC,
        "program": PROGRAM_EVENTS_TOPIC,
        "portfolio": PORTFOLIO_EVENTS_TOPIC,
        # The PMO's standards of a tenant are portfolio-svc's too: its one topic.
        "pmo_standards": PORTFOLIO_EVENTS_TOPIC,
        "data_subject": PRIVACY_EVENTS_TOPIC,
    }
)

DEFAULT_PARTITIONS: Final = 6
DEAD_LETTER_RETENTION_MS: Final = 30 * 24 * 60 * 60 * 1000

EVENT_TOPIC_CONFIG: Final[Mapping[str, str]] = MappingProxyType(
    {
        "retention.ms": "-1",
        "retention.bytes": "-1",
        "cleanup.policy": "delete",
        "min.insync.replicas": "1",
    }
)
DEAD_LETTER_TOPIC_CONFIG: Final[Mapping[str, str]] = MappingProxyType(
    {
        "retention.ms": str(DEAD_LETTER_RETENTION_MS),
        "retention.bytes": "-1",
        "cleanup.policy": "delete",
        "min.insync.replicas": "1",
    }
)

_NO_ERROR: Final = 0
_TOPIC_ALREADY_EXISTS: Final = 36


def topic_configs() -> dict[str, Mapping[str, str]]:
    """Every topic of the system with its topic-level configuration."""
    configs: dict[str, Mapping[str, str]] = dict.fromkeys(EVENT_TOPICS, EVENT_TOPIC_CONFIG)
    configs[DEAD_LETTER_TOPIC] = DEAD_LETTER_TOPIC_CONFIG
    return configs


def partitions_from_env() -> int:
    """KAFKA_TOPIC_PARTITIONS, default 6."""
    raw = os.environ.get("KAFKA_TOPIC_PARTITIONS", "").strip()
    if not raw:
        return DEFAULT_PARTITIONS
    value = int(raw)
    if value < 1:
        raise ValueError("KAFKA_TOPIC_PARTITIONS must be at least 1")
    return value


async def ensure_topics(
    bootstrap_servers: Kafka,
    *,
    partitions: int,
    replication_factor: int = 1,
    timeout_s: float = 60.0,
) -> None:
    """Create every missing topic of the system; topics that already exist are left as they are.

    Retries (bounded by `timeout_s`) while the broker is still starting, and returns once every
    topic has a leader for each partition, so producers can use them at once.
    """
    if partitions < 1:
        raise ValueError("partitions must be at least 1")
    deadline = time.monotonic() + timeout_s
    delay = 0.25
    while True:
        try:
            await _ensure_once(bootstrap_servers, partitions, replication_factor, deadline)
            return
        except _FatalTopicError:
            raise
        except Exception as exc:
            if time.monotonic() + delay >= deadline:
                raise TimeoutError(
                    f"could not ensure the Kafka topics on {servers_of(bootstrap_servers)} "
                    f"within {timeout_s:.0f}s: {exc!r}"
                ) from exc
            log.info("Kafka not ready yet (%r); retrying in %.2fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


class _FatalTopicError(RuntimeError):
    """The broker refused to create a topic for a reason that retrying cannot fix."""


async def _ensure_once(
    bootstrap_servers: Kafka, partitions: int, replication_factor: int, deadline: float
) -> None:
    admin = AIOKafkaAdminClient(
        **options_of(bootstrap_servers),
        client_id="pmo-topics",
        request_timeout_ms=10_000,
    )
    await admin.start()
    try:
        wanted = topic_configs()
        existing = set(await admin.list_topics())
        missing = [name for name in wanted if name not in existing]
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(
                        name=name,
                        num_partitions=partitions,
                        replication_factor=replication_factor,
                        topic_configs=dict(wanted[name]),
                    )
                    for name in missing
                ],
                timeout_ms=10_000,
            )
            for error in response.topic_errors:
                topic, code = str(error[0]), int(error[1])
                message = str(error[2]) if len(error) > 2 and error[2] else ""
                if code == _NO_ERROR:
                    log.info("created topic %s (%d partitions)", topic, partitions)
                elif code != _TOPIC_ALREADY_EXISTS:
                    raise _FatalTopicError(
                        f"creating topic {topic} failed: error {code} {message}".rstrip()
                    )
        await _wait_for_leaders(admin, list(wanted), deadline)
    finally:
        await admin.close()


async def _wait_for_leaders(
    admin: AIOKafkaAdminClient, topics: Sequence[str], deadline: float
) -> None:
    while True:
        described: list[dict[str, Any]] = await admin.describe_topics(list(topics))
        ready = {
            str(t["topic"])
            for t in described
            if t.get("error_code", 0) == _NO_ERROR
            and t.get("partitions")
            and all(int(p.get("leader", -1)) >= 0 for p in t["partitions"])
        }
        if ready >= set(topics):
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"topics without leaders: {sorted(set(topics) - ready)}")
        await asyncio.sleep(0.2)


async def describe(bootstrap_servers: Kafka) -> dict[str, int]:
    """Partition count of each topic of the system that exists on the cluster."""
    admin = AIOKafkaAdminClient(**options_of(bootstrap_servers), client_id="pmo-topics")
    await admin.start()
    try:
        described: list[dict[str, Any]] = await admin.describe_topics(list(topic_configs()))
        return {
            str(t["topic"]): len(t.get("partitions") or [])
            for t in described
            if t.get("error_code", 0) == _NO_ERROR
        }
    finally:
        await admin.close()


def main(argv: Sequence[str] | None = None) -> int:
    """`pmo-topics`: create the system's Kafka topics if they are missing."""
    parser = argparse.ArgumentParser(
        prog="pmo-topics",
        description="Create the PMO Kafka topics (idempotent). TLS to the brokers as the "
        "services do it: $KAFKA_SECURITY_PROTOCOL=SSL and $KAFKA_SSL_CAFILE, "
        "$KAFKA_SSL_CERTFILE, $KAFKA_SSL_KEYFILE.",
    )
    parser.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9192"),
        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9192)",
    )
    parser.add_argument(
        "--partitions",
        type=int,
        default=None,
        help="partitions of newly created topics (default: $KAFKA_TOPIC_PARTITIONS or 6)",
    )
    parser.add_argument(
        "--replication-factor",
        type=int,
        default=int(os.environ.get("KAFKA_REPLICATION_FACTOR", "1")),
        help="replication factor of newly created topics (default: 1)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to keep trying")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="pmo-topics: %(message)s")

    try:
        partitions = args.partitions if args.partitions is not None else partitions_from_env()
        # KAFKA_SECURITY_PROTOCOL and KAFKA_SSL_*, as the services read them
        kafka = from_environ(args.bootstrap_servers)
        kafka.check()
        asyncio.run(
            ensure_topics(
                kafka,
                partitions=partitions,
                replication_factor=args.replication_factor,
                timeout_s=args.timeout,
            )
        )
        counts = asyncio.run(describe(kafka))
    except (ValueError, TimeoutError, _FatalTopicError) as exc:
        print(f"pmo-topics: {exc}", file=sys.stderr)
        return 1
    for name in topic_configs():
        print(f"pmo-topics: {name} ({counts.get(name, 0)} partitions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
