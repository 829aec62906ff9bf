"""`python -m portfolio_svc`: run portfolio-svc with settings from the environment."""

from __future__ import annotations

from pmo_shared.web.app import serve
from portfolio_svc.settings import load_settings


def main() -> None:
    """Start the portfolio-svc server."""
    settings = load_settings()
    serve("portfolio_svc.api.app:create_app", settings)


if __name__ == "__main__":
    main()
