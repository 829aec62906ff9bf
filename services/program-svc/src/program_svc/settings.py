"""Settings of program-svc: the shared service settings with this service's defaults."""

from __future__ import annotations

from pydantic import Field

from pmo_shared.settings import ServiceSettings

DB_SCHEMA = "program"


class ProgramSettings(ServiceSettings):
    """Configuration of one program-svc process, read from the environment."""

    service_name: str = Field(default="program-svc", min_length=1)
    db_schema: str = DB_SCHEMA
    port: int = Field(default=8002, ge=1, le=65535)


def load_settings() -> ProgramSettings:
    """The settings from the environment; raises at once when they are missing or invalid."""
    return ProgramSettings()
