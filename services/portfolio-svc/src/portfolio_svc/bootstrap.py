"""The composition root of portfolio-svc: what is its own, wired by the kernel's write service."""

from __future__ import annotations

from fastapi import FastAPI

from pmo_shared.web.write_service import WriteService, create_write_service_app
from portfolio_svc import __version__
from portfolio_svc.adapters.rows import PostgresPortfolioRows
from portfolio_svc.api import analyses, commands, components, lesson_verdicts, routes, standards
from portfolio_svc.application.handlers import HANDLERS
from portfolio_svc.application.ports import PortfolioConfig
from portfolio_svc.domain.events import registry
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.standards import PmoStandards
from portfolio_svc.references.runner import references_consumer
from portfolio_svc.settings import PortfolioSettings


def bootstrap(settings: PortfolioSettings) -> FastAPI:
    """The HTTP app of portfolio-svc: portfolios, the PMO's standards and its verdicts on
    suggested lessons, and the consumer of the programs and projects it knows."""
    return create_write_service_app(
        settings,
        WriteService(
            title="portfolio-svc",
            version=__version__,
            registry=registry,
            aggregates=(Portfolio, PmoStandards),
            handlers=HANDLERS,
            config=PortfolioConfig(large_project_threshold=settings.large_project_threshold),
            rows=PostgresPortfolioRows,
            routers=(
                routes.router,
                commands.router,
                components.router,
                analyses.router,
                standards.router,
                lesson_verdicts.router,
            ),
            background=lambda engine: (references_consumer(settings, engine),),
        ),
    )
