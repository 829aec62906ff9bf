"""The composition root of project-svc: the one place its parts are built and wired."""

from __future__ import annotations

from fastapi import FastAPI

from pmo_shared.application.cache import AggregateCache
from pmo_shared.database.engine import create_engine
from pmo_shared.messaging.relay import OutboxRelay
from pmo_shared.messaging.topics import TOPIC_BY_STREAM_TYPE
from pmo_shared.web.app import BackgroundTask, create_service_app
from project_svc import __version__
from project_svc.api import commands, office, routes
from project_svc.api.errors import install_error_handlers
from project_svc.application.service import ProjectService
from project_svc.domain.events import registry
from project_svc.settings import ProjectSettings


def bootstrap(settings: ProjectSettings) -> FastAPI:
    """Build the engine, the service, the outbox relay and the HTTP app of project-svc."""
    engine = create_engine(settings)
    background: list[BackgroundTask] = []
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
        title="project-svc",
        version=__version__,
        engine=engine,
        routers=[routes.router, commands.router, office.router],
        background=background,
    )
    app.state.project_service = ProjectService(
        engine,
        large_threshold=settings.large_project_threshold,
        aggregates=AggregateCache(registry),
    )
    install_error_handlers(app)
    return app
