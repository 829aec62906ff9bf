"""The consumer that keeps `pmo_standards` and `portfolio_decisions` up to date: the kernel's
consumer runner for the `project-portfolio-refs` projection, as one of project-svc's background
tasks.

A plain runner: every replica is a member of the same consumer group, so each stream's events
(a tenant's standards, a portfolio's decisions) are applied by one of them, in order (Kafka
keys them by stream). The tables hold nothing the events do not: a new group, on empty tables
and without this consumer's `processed_events`, replays the topic into the same rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.messaging.consumer import ConsumerRunner
from pmo_shared.messaging.kafka import connection
from pmo_shared.messaging.topics import PORTFOLIO_EVENTS_TOPIC
from pmo_shared.settings import KernelSettings
from pmo_shared.tasks import BackgroundTask
from project_svc.references.events import registry
from project_svc.references.projection import PROJECTION_NAME, PortfolioRefsProjection

GROUP_ID = "project-svc.portfolio-refs"


def portfolio_refs_consumer(
    settings: KernelSettings,
    engine: AsyncEngine,
    *,
    topics: Sequence[str] = (PORTFOLIO_EVENTS_TOPIC,),
    group_id: str = GROUP_ID,
) -> BackgroundTask:
    """The background task consuming portfolio events into the reference tables until stopped
    (`topics` and `group_id` differ only in tests;
    `CONSUMER_GROUP_PREFIX` goes before the group id)."""
    runner = ConsumerRunner(
        engine,
        projection=PortfolioRefsProjection(name=PROJECTION_NAME, topics=topics),
        registry=registry,
        bootstrap_servers=connection(settings),
        dead_letter_topic=settings.dead_letter_topic,
        group_id=settings.consumer_group_prefix + group_id,
    )
    return runner.run
