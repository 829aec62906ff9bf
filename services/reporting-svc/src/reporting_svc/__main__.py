"""`python -m reporting_svc`: run reporting-svc with settings from the environment."""

from __future__ import annotations

from pmo_shared.web.app import serve
from reporting_svc.settings import load_settings


def main() -> None:
    """Start the reporting-svc server."""
    settings = load_settings()
    serve("reporting_svc.api.app:create_app", settings)


if __name__ == "__main__":
    main()
