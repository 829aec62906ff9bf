"""The composition root of program-svc: the one place its parts are built and wired."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from pmo_shared.application.handlers import CommandBus, today_in
from pmo_shared.database.engine import create_engine
from pmo_shared.database.idempotency import IdempotencyJanitor
from pmo_shared.database.unit_of_work import PostgresUnitsOfWork
from pmo_shared.domain.events import recorded_on_in
from pmo_shared.messaging.relay import OutboxRelay
from pmo_shared.messaging.topics import TOPIC_BY_STREAM_TYPE
from pmo_shared.privacy.setup import personal_data
from pmo_shared.tasks import BackgroundTask
from pmo_shared.web import datasubjects
from pmo_shared.web.app import create_service_app
from program_svc import __version__
from program_svc.adapters.rows import PostgresProgramRows
from program_svc.api import commands, parts, routes
from program_svc.application.handlers import HANDLERS
from program_svc.domain.events import registry
from program_svc.domain.program import Program
from program_svc.references.runner import project_refs_consumer
from program_svc.settings import ProgramSettings


def bootstrap(settings: ProgramSettings) -> FastAPI:
    """Build the engine, the command bus, the outbox relay, the consumer of the projects it
    knows and the HTTP app of program-svc."""
    engine = create_engine(settings)
    personal = personal_data(settings, engine)
    retention = timedelta(hours=settings.idempotency_retention_hours)
    background: list[BackgroundTask] = [
        IdempotencyJanitor(engine, retention=retention).run,
        personal.ledger.run,
        project_refs_consumer(settings, engine),
    ]
    if settings.run_relay:
        relay = OutboxRelay(
            engine,
            service=settings.service_name,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic_for=TOPIC_BY_STREAM_TYPE.__getitem__,
        )
        background.append(relay.run)
    app = create_service_app(
        settings,
        title="program-svc",
        version=__version__,
        engine=engine,
        routers=[routes.router, commands.router, parts.router, datasubjects.router],
        internal_routers=[datasubjects.internal_router],
        readiness=[personal.readiness],
        background=background,
        startup=[personal.check],
        shutdown=[personal.close],
    )
    app.state.key_store = personal.keys
    # Each tenant's calendar: its today for commands, the recorded date of an old event.
    dated = registry.dated_by(recorded_on_in(settings.time_zone_of))
    units = PostgresUnitsOfWork(
        engine,
        dated,
        rows=lambda conn: PostgresProgramRows(conn, personal.keys),
        keys=personal.keys,
    )
    app.state.commands = CommandBus(
        HANDLERS,
        units,
        config=None,
        clock=today_in(settings.time_zone_of),
        aggregates=(Program,),
    )
    return app
