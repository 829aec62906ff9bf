"""The ASGI app of portfolio-svc; also `uvicorn --factory portfolio_svc.api.app:create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from portfolio_svc.bootstrap import bootstrap
from portfolio_svc.settings import PortfolioSettings, load_settings


def create_app(settings: PortfolioSettings | None = None) -> FastAPI:
    """The portfolio-svc app; settings come from the environment when not given."""
    return bootstrap(settings or load_settings())
