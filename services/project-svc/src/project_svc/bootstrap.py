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
from project_svc.settings import ProjectSettings


def bootstrap(settings: ProjectSettings) -> FastAPI:
    """The HTTP app of project-svc: projects and their Project Offices."""
    threshold = settings.large_project_threshold
    return create_write_service_app(
        settings,
        WriteService(
            title="project-svc",
            version=__version__,
            registry=registry,
            aggregates=(Project, ProjectOffice),
            handlers=HANDLERS,
            config=ProjectPolicy(threshold),
            rows=lambda conn, keys: PostgresProjectRows(conn, keys, large_threshold=threshold),
            routers=(routes.router, commands.router, office.router),
        ),
    )
