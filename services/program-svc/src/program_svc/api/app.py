"""The ASGI app of program-svc; also `uvicorn --factory program_svc.api.app:create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from program_svc.bootstrap import bootstrap
from program_svc.settings import ProgramSettings, load_settings


def create_app(settings: ProgramSettings | None = None) -> FastAPI:
    """The program-svc app; settings come from the environment when not given."""
    return bootstrap(settings or load_settings())
