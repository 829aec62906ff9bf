"""An app built by the kernel's `create_service_app`, with one slow route, for the SIGTERM
test: `serve("deploy_runtime_slow_app:create_app", ...)` with this directory on PYTHONPATH."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, FastAPI

from pmo_shared.database.engine import create_engine
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.app import create_service_app

router = APIRouter()
_started = 0


@router.get("/internal/slow")
async def slow(seconds: float) -> dict[str, float]:
    """Answer after `seconds`."""
    global _started
    _started += 1
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@router.get("/internal/started")
async def started() -> dict[str, int]:
    """How many slow requests have begun."""
    return {"started": _started}


def create_app() -> FastAPI:
    """The app, its settings from the environment."""
    settings = ServiceSettings.model_validate({})
    return create_service_app(
        settings,
        title="slow",
        version="0",
        engine=create_engine(settings),
        internal_routers=[router],
    )
