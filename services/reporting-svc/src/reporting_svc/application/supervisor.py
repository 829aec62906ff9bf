"""Runs the projection's consumers, one per live or building generation, and switches a
rebuilt generation live once it has caught up. Every replica runs one; the generation register
in PostgreSQL is the shared truth, so replicas agree and a rebuild survives restarts."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.errors import Refusal
from pmo_shared.messaging.consumer import ConsumerRunner
from pmo_shared.tasks import wait_any
from reporting_svc.application.offsets import OffsetReader, PartitionOffsets
from reporting_svc.events import registry
from reporting_svc.readmodel import generations
from reporting_svc.readmodel.generations import Generation
from reporting_svc.readmodel.projection import PROJECTION_NAME, ProjectReportsProjection
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
        poll_seconds: float = 0.5,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self.projection = projection
        self.topics = tuple(ProjectReportsProjection().topics)
        self._poll = poll_seconds
        self._running: dict[int, _Running] = {}
        self._targets: dict[int, dict[tuple[str, int], int]] = {}
        self._live: _Running | None = None
        self.offsets = OffsetReader(settings.kafka_bootstrap_servers)
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
            for number in list(self._running):
                await self._stop(number)
            await self.offsets.close()

    async def reconcile(self) -> None:
        """Match the running consumers to the register; switch a caught-up rebuild live."""
        # The background loop and a rebuild request may both reconcile: one at a time.
        async with self._reconciling:
            while await self._reconcile_once():
                pass

    async def _reconcile_once(self) -> bool:
        current = await generations.current(self._engine, self.projection)
        wanted = {g.generation: g for g in current if g.status in ("live", "building")}
        for number in set(self._running) - set(wanted):
            await self._stop(number)
        for number, generation in wanted.items():
            if number not in self._running:
                self._start(generation)
            self._running[number].generation = generation
            if generation.status == "live":
                self._live = self._running[number]
        for generation in wanted.values():
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

    def _start(self, generation: Generation) -> None:
        engine = create_engine_for(
            self._settings.database_url, schema=generation.schema_name, pool_size=5
        )
        runner = ConsumerRunner(
            engine,
            projection=ProjectReportsProjection(name=self.projection, topics=self.topics),
            registry=registry,
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            dead_letter_topic=self._settings.dead_letter_topic,
            group_id=generation.group_id,
            max_batch=2000,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop), name=f"projection-g{generation.generation}")
        self._running[generation.generation] = _Running(generation, engine, stop, task)
        log.info("projections.consumer_started", generation=generation.generation)

    async def _stop(self, number: int) -> None:
        running = self._running.pop(number)
        running.stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(running.task, timeout=15)
        if self._live is running:
            self._live = None
        await running.engine.dispose()
        self._targets.pop(number, None)
