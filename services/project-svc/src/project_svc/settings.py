"""Settings of project-svc: the shared service settings with this service's defaults."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from pmo_shared.settings import ServiceSettings

DB_SCHEMA = "project"


class ProjectSettings(ServiceSettings):
    """Configuration of one project-svc process, read from the environment."""

    service_name: str = Field(default="project-svc", min_length=1)
    db_schema: str = DB_SCHEMA
    port: int = Field(default=8001, ge=1, le=65535)
    large_project_threshold: Decimal = Field(
        default=Decimal(1_000_000),
        gt=0,
        description=(
            "budget at completion from which a project counts as large, in any currency, for a "
            "tenant without PMO standards in force (theirs decide otherwise)"
        ),
    )


def load_settings() -> ProjectSettings:
    """The settings from the environment; raises at once when they are missing or invalid."""
    return ProjectSettings()
