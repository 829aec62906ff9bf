"""Settings of reporting-svc: the shared service settings with this service's defaults."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from pmo_shared.settings import ServiceSettings

DB_SCHEMA = "reporting"


class ReportingSettings(ServiceSettings):
    """Configuration of one reporting-svc process, read from the environment."""

    service_name: str = Field(default="reporting-svc", min_length=1)
    db_schema: str = DB_SCHEMA
    port: int = Field(default=8004, ge=1, le=65535)
    run_projections: bool = Field(
        default=True,
        description=(
            "feed the read models in this API process (false: `reporting-consumer` processes "
            "feed them and this one only follows the live generation and answers queries)"
        ),
    )
    # The defaults of a tenant without PMO standards in force at a report's status date; the
    # standards (pmo.portfolio.events) set a band per index of their own.
    health_green: Decimal = Field(
        default=Decimal("0.95"),
        gt=0,
        description="SPI/CPI from which health is green, for a tenant without PMO standards",
    )
    health_amber: Decimal = Field(
        default=Decimal("0.85"),
        gt=0,
        description="SPI/CPI from which health is amber, for a tenant without PMO standards",
    )

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> ReportingSettings:
        if self.health_amber > self.health_green:
            raise ValueError("HEALTH_AMBER must not exceed HEALTH_GREEN")
        return self


def load_settings() -> ReportingSettings:
    """The settings from the environment; raises at once when they are missing or invalid."""
    return ReportingSettings()
