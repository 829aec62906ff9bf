"""The ASGI app of project-svc; also `uvicorn --factory project_svc.api.app:create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from project_svc.bootstrap import bootstrap
from project_svc.settings import ProjectSettings, load_settings


def create_app(settings: ProjectSettings | None = None) -> FastAPI:
    """The project-svc app; settings come from the environment when not given."""
    return bootstrap(settings or load_settings())
