"""The consumer that keeps `program_refs` and `project_refs` up to date: the kernel's consumer
runner for the `portfolio-references` projection over both topics, as one of portfolio-svc's
background tasks.

A plain runner (portfolio-svc keeps no generations): every replica is a member of the same
consumer group, so each program's and each project's events are applied by one of them, in order
(Kafka keys them by stream). The tables hold nothing the events do not: a new group, on empty
tables and without this consumer's `processed_events`, replays the topics into the same rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.messaging.consumer import ConsumerRunner
from pmo_shared.messaging.kafka import connection
from pmo_shared.settings import KernelSettings
from pmo_shared.tasks import BackgroundTask
from portfolio_svc.references.events import registry
from portfolio_svc.references.projection import PROJECTION_NAME, TOPICS, ReferencesProjection

GROUP_ID = "portfolio-svc.references"


def references_consumer(
    settings: KernelSettings,
    engine: AsyncEngine,
    *,
    topics: Sequence[str] = TOPICS,
    group_id: str = GROUP_ID,
) -> BackgroundTask:
    """The background task consuming program and project events into the reference tables
    until stopped (`topics` and `group_id` differ only in tests;
    `CONSUMER_GROUP_PREFIX` goes before the group id)."""
    runner = ConsumerRunner(
        engine,
        projection=ReferencesProjection(name=PROJECTION_NAME, topics=topics),
        registry=registry,
        bootstrap_servers=connection(settings),
        dead_letter_topic=settings.dead_letter_topic,
        group_id=settings.consumer_group_prefix + group_id,
    )
    return runner.run
