"""The consumer that keeps `project_refs` up to date: the kernel's consumer runner for the
`program-project-refs` projection, as one of program-svc's background tasks.

A plain runner (program-svc keeps no generations): every replica is a member of the same
consumer group, so each project's events are applied by one of them, in order (Kafka keys
them by project). The table holds nothing the events do not: a new group, on an empty table
and without this consumer's `processed_events`, replays the topic into the same rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.messaging.consumer import ConsumerRunner
from pmo_shared.messaging.kafka import connection
from pmo_shared.messaging.topics import PROJECT_EVENTS_TOPIC
from pmo_shared.settings import KernelSettings
from pmo_shared.tasks import BackgroundTask
from program_svc.references.events import registry
from program_svc.references.projection import PROJECTION_NAME, ProjectRefsProjection

GROUP_ID = "program-svc.project-refs"


def project_refs_consumer(
    settings: KernelSettings,
    engine: AsyncEngine,
    *,
    topics: Sequence[str] = (PROJECT_EVENTS_TOPIC,),
    group_id: str = GROUP_ID,
) -> BackgroundTask:
    """The background task consuming project events into `project_refs` until stopped
    (`topics` and `group_id` differ only in tests;
    `CONSUMER_GROUP_PREFIX` goes before the group id)."""
    runner = ConsumerRunner(
        engine,
        projection=ProjectRefsProjection(name=PROJECTION_NAME, topics=topics),
        registry=registry,
        bootstrap_servers=connection(settings),
        dead_letter_topic=settings.dead_letter_topic,
        group_id=settings.consumer_group_prefix + group_id,
    )
    return runner.run
