"""The composition root of program-svc: what is its own, wired by the kernel's write service."""

from __future__ import annotations

from fastapi import FastAPI

from pmo_shared.web.write_service import WriteService, create_write_service_app
from program_svc import __version__
from program_svc.adapters.rows import PostgresProgramRows
from program_svc.api import commands, parts, routes
from program_svc.application.handlers import HANDLERS
from program_svc.domain.events import registry
from program_svc.domain.program import Program
from program_svc.references.runner import project_refs_consumer
from program_svc.settings import ProgramSettings


def bootstrap(settings: ProgramSettings) -> FastAPI:
    """The HTTP app of program-svc: programs, and the consumer of the projects it knows."""
    return create_write_service_app(
        settings,
        WriteService(
            title="program-svc",
            version=__version__,
            registry=registry,
            aggregates=(Program,),
            handlers=HANDLERS,
            config=None,
            rows=PostgresProgramRows,
            routers=(routes.router, commands.router, parts.router),
            background=lambda engine: (project_refs_consumer(settings, engine),),
        ),
    )
