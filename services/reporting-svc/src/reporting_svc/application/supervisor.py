"""Runs the projection's consumers, one per live or building generation, and switches a
rebuilt generation live once it has caught up. Every replica runs one; the generation register
in PostgreSQL is the shared truth, so replicas agree and a rebuild survives restarts.

Scaling out is running more of them: every process that feeds the read models (reporting-svc's
API process unless `RUN_PROJECTIONS` is false, each `reporting-consumer`) is a member of every
generation's consumer group, so the processes split the topics' partitions, a rebuild included
(partition-parallel, each member committing its own batches with their processed-event
records; a key's events stay in one partition, so in one member, in order).

A switch is invisible to readers: the live engine is replaced in one step (never unset in
between), and a retired generation's engine stays open until its schema is dropped, so a reader
that looked it up just before a switch reads the old generation to completion."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.errors import Refusal
from pmo_shared.messaging.consumer import ConsumerRunner
from pmo_shared.messaging.kafka import connection
from pmo_shared.tasks import wait_any
from reporting_svc.application.offsets import OffsetReader, PartitionOffsets
from reporting_svc.readmodel import generations
from reporting_svc.readmodel.dates import keep_dates_literal
from reporting_svc.readmodel.generations import Generation
from reporting_svc.readmodel.projection import PROJECTION_NAME, ProjectReportsProjection, readers
from reporting_svc.settings import ReportingSettings

log = structlog.get_logger(__name__)


class NoLiveGenerationError(Refusal):
    """The read models are not set up yet (the service is still starting) (503, retry)."""

    status = 503
    code = "not-ready"

    def problem_headers(self) -> dict[str, str]:
        """Ask the client to retry in a second."""
        return {"Retry-After": "1"}


@dataclass
class _Running:
    generation: Generation
    engine: AsyncEngine
    stop: asyncio.Event
    task: asyncio.Task[None]


@dataclass
class GenerationStatus:
    """What `/v1/projections` reports about one generation."""

    generation: Generation
    partitions: list[PartitionOffsets]
    last_event_at: datetime | None
    events_applied: int
    dead_letters: int
    target: dict[tuple[str, int], int] = field(default_factory=dict)


class ProjectionSupervisor:
    """Keeps the consumers of the `project-reports` projection running and switches rebuilds."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        settings: ReportingSettings,
        projection: str = PROJECTION_NAME,
        topics: Sequence[str] | None = None,
        poll_seconds: float = 0.5,
        consume: bool = True,
    ) -> None:
        self._engine = engine
        # False in an API process beside `reporting-consumer` processes (`RUN_PROJECTIONS`):
        # it follows the generations (engines, status, switches) and consumes nothing.
        self._consume = consume
        self._settings = settings
        self.projection = projection
        self.topics = tuple(topics if topics is not None else ProjectReportsProjection().topics)
        self._poll = poll_seconds
        self._running: dict[int, _Running] = {}
        # Engines of generations whose consumer has stopped but whose schema is still there.
        self._retired: dict[int, AsyncEngine] = {}
        self._targets: dict[int, dict[tuple[str, int], int]] = {}
        self._live: _Running | None = None
        self.offsets = OffsetReader(connection(settings))
        self._reconciling = asyncio.Lock()

    @property
    def engine(self) -> AsyncEngine:
        """The service schema's engine (the generation register lives there)."""
        return self._engine

    @property
    def service_schema(self) -> str:
        """The service's own schema; generation schemas are named after it."""
        return self._settings.db_schema

    async def check_ready(self) -> None:
        """Readiness: the live read models are set up and being fed."""
        self.live_engine()

    def live_engine(self) -> AsyncEngine:
        """The engine of the live generation's schema, for queries."""
        if self._live is None:
            raise NoLiveGenerationError("the read models are not ready yet")
        return self._live.engine

    async def run(self, stop: asyncio.Event) -> None:
        """Reconcile until stopped."""
        try:
            await generations.ensure_initial(
                self._engine, service_schema=self._settings.db_schema, projection=self.projection
            )
            while not stop.is_set():
                try:
                    await self.reconcile()
                except Exception:
                    log.exception("projections.reconcile_failed", projection=self.projection)
                await wait_any(stop, timeout=self._poll)
        finally:
            await self._shut_down()

    async def reconcile(self) -> None:
        """Match the running consumers to the register; switch a caught-up rebuild live."""
        # The background loop and a rebuild request may both reconcile: one at a time.
        async with self._reconciling:
            while await self._reconcile_once():
                pass

    async def _reconcile_once(self) -> bool:
        register = await generations.current(self._engine, self.projection)
        wanted = {g.generation: g for g in register if g.status in ("live", "building")}
        self._run(wanted)
        for number in set(self._running) - set(wanted):
            await self._retire(number)
        await self._release_dropped({g.generation for g in register})
        return await self._switch_caught_up(wanted.values())

    def _run(self, wanted: dict[int, Generation]) -> None:
        # No await in here: readers see the old live generation or the new one, never neither.
        for number, generation in wanted.items():
            running = self._running.get(number) or self._start(generation)
            running.generation = generation
            if generation.status == "live":
                self._live = running

    async def _switch_caught_up(self, wanted: Iterable[Generation]) -> bool:
        for generation in wanted:
            if generation.status == "building" and await self._caught_up(generation):
                if await generations.switch(self._engine, generation):
                    log.info("projections.switched", generation=generation.generation)
                return True
        return False

    async def status(self) -> list[GenerationStatus]:
        """Offsets, lag, last event and dead letters of the live and building generations."""
        out = []
        for running in sorted(self._running.values(), key=lambda r: r.generation.generation):
            partitions = await self.offsets.group_offsets(running.generation.group_id, self.topics)
            async with running.engine.connect() as conn:
                row = (
                    await conn.execute(
                        text(
                            "SELECT (SELECT max(processed_at) FROM processed_events), "
                            "(SELECT count(*) FROM processed_events), "
                            "(SELECT count(*) FROM dead_letters)"
                        )
                    )
                ).one()
            out.append(
                GenerationStatus(
                    running.generation,
                    partitions,
                    row[0],
                    int(row[1]),
                    int(row[2]),
                    self._targets.get(running.generation.generation, {}),
                )
            )
        return out

    async def _caught_up(self, generation: Generation) -> bool:
        # Caught up = consumed everything that was on the topics when this replica first looked
        # at the rebuild; events after that keep flowing into the new generation after the
        # switch just as they did into the old one.
        partitions = await self.offsets.group_offsets(generation.group_id, self.topics)
        target = self._targets.setdefault(
            generation.generation, {(p.topic, p.partition): p.end for p in partitions}
        )
        return all(p.committed >= target.get((p.topic, p.partition), 0) for p in partitions)

    def _start(self, generation: Generation) -> _Running:
        engine = keep_dates_literal(
            create_engine_for(
                self._settings.database_url, schema=generation.schema_name, pool_size=5
            )
        )
        stop = asyncio.Event()
        name = f"projection-g{generation.generation}"
        if self._consume:
            runner = ConsumerRunner(
                engine,
                projection=ProjectReportsProjection(name=self.projection, topics=self.topics),
                registry=readers,
                bootstrap_servers=connection(self._settings),
                dead_letter_topic=self._settings.dead_letter_topic,
                group_id=generation.group_id,
                max_batch=2000,
            )
            task = asyncio.create_task(runner.run(stop), name=name)
        else:
            task = asyncio.create_task(_until(stop), name=f"{name}-follow")
        running = _Running(generation, engine, stop, task)
        self._running[generation.generation] = running
        event = "projections.consumer_started" if self._consume else "projections.following"
        log.info(event, generation=generation.generation)
        return running

    async def _retire(self, number: int) -> None:
        """Stop a generation's consumer; its engine stays open for readers until its schema is
        dropped (the live engine, already replaced, is never unset here)."""
        running = self._running.pop(number)
        self._targets.pop(number, None)
        self._retired[number] = running.engine
        running.stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(running.task, timeout=15)
        log.info("projections.consumer_stopped", generation=number)

    async def _release_dropped(self, registered: set[int]) -> None:
        """Close the engines of retired generations that are no longer in the register."""
        for number in set(self._retired) - registered:
            engine = self._retired.pop(number)
            if self._live is not None and self._live.engine is engine:
                self._live = None  # the live generation itself vanished from the register
            await engine.dispose()

    async def _shut_down(self) -> None:
        for number in list(self._running):
            await self._retire(number)
        self._live = None
        await self._release_dropped(set())
        await self.offsets.close()


async def _until(stop: asyncio.Event) -> None:
    """What a following generation runs in place of a consumer: nothing, until stopped."""
    await stop.wait()
