"""`python -m project_svc`: run project-svc with settings from the environment."""

from __future__ import annotations

from pmo_shared.web.app import serve
from project_svc.settings import load_settings


def main() -> None:
    """Start the project-svc server."""
    settings = load_settings()
    serve("project_svc.api.app:create_app", settings)


if __name__ == "__main__":
    main()
