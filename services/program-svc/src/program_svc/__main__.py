"""`python -m program_svc`: run program-svc with settings from the environment."""

from __future__ import annotations

from pmo_shared.web.app import serve
from program_svc.settings import load_settings


def main() -> None:
    """Start the program-svc server."""
    settings = load_settings()
    serve("program_svc.api.app:create_app", settings)


if __name__ == "__main__":
    main()
