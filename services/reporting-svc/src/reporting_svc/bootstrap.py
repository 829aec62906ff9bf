"""The composition root of reporting-svc: the one place its parts are built and wired."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from pmo_shared.app import BackgroundTask, create_service_app
from pmo_shared.db import create_engine
from reporting_svc import __version__
from reporting_svc.settings import ReportingSettings


def bootstrap(settings: ReportingSettings) -> FastAPI:
    """Build the engine, the background tasks and the HTTP app of reporting-svc."""
    engine = create_engine(settings)
    # Long-running jobs started and stopped with the app; each runs until its stop event is set.
    # The Kafka consumers that build the read models join here, e.g.
    # `background.append(ConsumerRunner(...).run)`.
    background: list[BackgroundTask] = []
    # The service's own API routers (they get bearer authentication by default).
    routers: list[APIRouter] = []
    return create_service_app(
        settings,
        title="reporting-svc",
        version=__version__,
        engine=engine,
        routers=routers,
        background=background,
    )
