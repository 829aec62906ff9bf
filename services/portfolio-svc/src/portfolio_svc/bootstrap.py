"""The composition root of portfolio-svc: the one place its parts are built and wired."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from pmo_shared.database.engine import create_engine
from pmo_shared.tasks import BackgroundTask
from pmo_shared.web.app import create_service_app
from portfolio_svc import __version__
from portfolio_svc.settings import PortfolioSettings


def bootstrap(settings: PortfolioSettings) -> FastAPI:
    """Build the engine, the background tasks and the HTTP app of portfolio-svc."""
    engine = create_engine(settings)
    # Long-running jobs started and stopped with the app; each runs until its stop event is set.
    # The outbox relay joins here, e.g. `background.append(OutboxRelay(...).run)`, when
    # settings.run_relay is set.
    background: list[BackgroundTask] = []
    # The service's own API routers (they get bearer authentication by default).
    routers: list[APIRouter] = []
    return create_service_app(
        settings,
        title="portfolio-svc",
        version=__version__,
        engine=engine,
        routers=routers,
        background=background,
    )
