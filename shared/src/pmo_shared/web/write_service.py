"""The app of a write service, wired the one way every write service is: its engine, its key
store (personal data sealed, the startup check, the erasure ledger), the outbox relay, the
Idempotency-Key janitor, the data-subject routes and the command bus over PostgreSQL units of
work in each tenant's calendar. A service's composition root gives only what is its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.application.handlers import CommandBus, CommandHandlers, today_in
from pmo_shared.application.unit_of_work import Q
from pmo_shared.database.engine import create_engine
from pmo_shared.database.idempotency import IdempotencyJanitor
from pmo_shared.database.unit_of_work import PostgresUnitsOfWork
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.events import EventRegistry, recorded_on_in
from pmo_shared.messaging.kafka import connection
from pmo_shared.messaging.relay import OutboxRelay
from pmo_shared.messaging.topics import TOPIC_BY_STREAM_TYPE
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.privacy.setup import personal_data
from pmo_shared.settings import ServiceSettings
from pmo_shared.tasks import BackgroundTask
from pmo_shared.web import datasubjects
from pmo_shared.web.app import create_service_app

Cfg = TypeVar("Cfg")


@dataclass(frozen=True, slots=True)
class WriteService(Generic[Q, Cfg]):
    """What makes one write service: its events, aggregates, handlers, query rows, routes."""

    title: str
    version: str
    registry: EventRegistry
    aggregates: Sequence[type[Aggregate]]
    handlers: CommandHandlers[Q, Cfg]
    config: Cfg
    rows: Callable[[AsyncConnection, KeyStore], Q]
    """The service's query rows on a unit's connection (with the key store, for pseudonyms)."""
    routers: Sequence[APIRouter]
    background: Callable[[AsyncEngine], Sequence[BackgroundTask]] = lambda _engine: ()
    """Jobs of its own beside the kernel's (e.g. a consumer of another service's topic)."""


def create_write_service_app(settings: ServiceSettings, service: WriteService[Q, Cfg]) -> FastAPI:
    """The HTTP app of a write service, with its command bus in `app.state.commands` and its
    key store in `app.state.key_store`."""
    engine = create_engine(settings)
    personal = personal_data(settings, engine)
    retention = timedelta(hours=settings.idempotency_retention_hours)
    background: list[BackgroundTask] = [
        IdempotencyJanitor(engine, retention=retention).run,
        personal.ledger.run,
        *service.background(engine),
    ]
    if settings.run_relay:
        relay = OutboxRelay(
            engine,
            service=settings.service_name,
            bootstrap_servers=connection(settings),
            topic_for=TOPIC_BY_STREAM_TYPE.__getitem__,
        )
        background.append(relay.run)
    app = create_service_app(
        settings,
        title=service.title,
        version=service.version,
        engine=engine,
        routers=[*service.routers, datasubjects.router],
        internal_routers=[datasubjects.internal_router],
        readiness=[personal.readiness],
        background=background,
        startup=[personal.check],
        shutdown=[personal.close],
    )
    app.state.key_store = personal.keys
    # Each tenant's calendar: its today for commands, the recorded date of an old event.
    dated = service.registry.dated_by(recorded_on_in(settings.time_zone_of))
    units = PostgresUnitsOfWork(
        engine, dated, rows=lambda conn: service.rows(conn, personal.keys), keys=personal.keys
    )
    app.state.commands = CommandBus(
        service.handlers,
        units,
        config=service.config,
        clock=today_in(settings.time_zone_of),
        aggregates=service.aggregates,
    )
    return app
