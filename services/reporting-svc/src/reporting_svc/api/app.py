"""The ASGI app of reporting-svc; also `uvicorn --factory reporting_svc.api.app:create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from reporting_svc.bootstrap import bootstrap
from reporting_svc.settings import ReportingSettings, load_settings


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    """The reporting-svc app; settings come from the environment when not given."""
    return bootstrap(settings or load_settings())
