"""The composition root of project-svc: what is its own, wired by the kernel's write service."""

from __future__ import annotations

from fastapi import FastAPI

from pmo_shared.web.write_service import WriteService, create_write_service_app
from project_svc import __version__
from project_svc.adapters.rows import PostgresProjectRows
from project_svc.api import commands, office, routes
from project_svc.application.handlers import HANDLERS, ProjectPolicy
from project_svc.domain.events import registry
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.references.runner import portfolio_refs_consumer
from project_svc.settings import ProjectSettings


def bootstrap(settings: ProjectSettings) -> FastAPI:
    """The HTTP app of project-svc: projects and their Project Offices, and the consumer of
    the PMO's standards and the portfolio's decisions they obey."""
    return create_write_service_app(
        settings,
        WriteService(
            title="project-svc",
            version=__version__,
            registry=registry,
            aggregates=(Project, ProjectOffice),
            handlers=HANDLERS,
            config=ProjectPolicy(settings.large_project_threshold),
            rows=PostgresProjectRows,
            routers=(routes.router, commands.router, office.router),
            background=lambda engine: (portfolio_refs_consumer(settings, engine),),
        ),
    )
