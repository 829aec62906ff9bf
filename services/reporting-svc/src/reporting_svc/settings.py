"""Settings of reporting-svc: the shared service settings with this service's defaults."""

from __future__ import annotations

from pydantic import Field

from pmo_shared.settings import ServiceSettings

DB_SCHEMA = "reporting"


class ReportingSettings(ServiceSettings):
    """Configuration of one reporting-svc process, read from the environment."""

    service_name: str = Field(default="reporting-svc", min_length=1)
    db_schema: str = DB_SCHEMA
    port: int = Field(default=8004, ge=1, le=65535)


def load_settings() -> ReportingSettings:
    """The settings from the environment; raises at once when they are missing or invalid."""
    return ReportingSettings()
