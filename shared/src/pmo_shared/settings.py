"""Settings every service shares. Read from the environment once, at boot, and fail fast."""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pmo_shared.messaging.kafka import SecurityProtocol, connection
from pmo_shared.messaging.topics import DEAD_LETTER_TOPIC

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class KernelSettings(BaseSettings):
    """What any process of a service needs: its database and Kafka (relay, consumers, tools)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    service_name: str = Field(min_length=1)
    environment: Literal["development", "test", "production"] = "development"

    database_url: str = Field(description="postgresql+asyncpg:// URL of the service's database")
    db_schema: str = Field(description="PostgreSQL schema that holds this service's tables")
    db_pool_size: int = Field(default=10, ge=1, le=200)

    kafka_bootstrap_servers: str = Field(min_length=1)
    kafka_security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT",
        description="PLAINTEXT, or SSL: TLS to the brokers, with a client certificate if given",
    )
    kafka_ssl_cafile: str | None = Field(
        default=None,
        description="PEM of the CA of the brokers' certificates (required with SSL)",
    )
    kafka_ssl_certfile: str | None = Field(
        default=None, description="PEM of this client's certificate (mTLS; with the key)"
    )
    kafka_ssl_keyfile: str | None = Field(
        default=None, description="PEM of the client certificate's private key"
    )
    kafka_topic_partitions: int = Field(default=6, ge=1, le=1000)
    dead_letter_topic: str = DEAD_LETTER_TOPIC
    run_relay: bool = True
    consumer_group_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9._-]*$",
        max_length=100,
        description=(
            "put before every Kafka consumer group id of this process: a second deployment on "
            "the same cluster (a smoke test, a canary) then never takes the first one's "
            "partitions (empty: the group ids as documented)"
        ),
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgresql://")):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith("postgresql+asyncpg://"):
            raise ValueError("DATABASE_URL must be a postgresql:// URL")
        return value

    @field_validator("db_schema")
    @classmethod
    def _schema_name(cls, value: str) -> str:
        if not _SCHEMA_NAME.match(value):
            raise ValueError("DB_SCHEMA must be a lower-case SQL identifier")
        return value

    @field_validator("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile")
    @classmethod
    def _unset_when_empty(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _kafka_security(self) -> KernelSettings:
        # The combination, then the files: readable, and a usable CA, certificate and key.
        connection(self).check()
        return self


class ServiceSettings(KernelSettings):
    """Configuration of one HTTP service process; each field is an environment variable."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    web_concurrency: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes")
    idempotency_retention_hours: int = Field(
        default=48,
        ge=24,
        description="how long an Idempotency-Key's first result is kept for retries",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="largest request body accepted; a longer one is a 413 before it is parsed",
    )
    command_rate_per_second: float = Field(
        default=1000.0,
        ge=0,
        description=(
            "commands (POST, PUT, PATCH, DELETE) a tenant may send each second to one service "
            "process, refilling its bucket; more is a 429 with Retry-After (0: no limit)"
        ),
    )
    command_burst: int = Field(
        default=2000,
        ge=0,
        description="commands a tenant may send at once to one process (its bucket; 0: no limit)",
    )

    jwt_secret: SecretStr | None = None
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None

    personal_data_master_key: SecretStr | None = Field(
        default=None,
        description=(
            "base64 of 32 random bytes: wraps the keys of the service's data subjects "
            "(required by a service that stores events; `openssl rand -base64 32`)"
        ),
    )
    internal_clients: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="JSON map of service name to the token it presents on /internal routes",
    )
    service_token: SecretStr | None = Field(
        default=None, description="the token this service presents on other services' /internal"
    )
    key_services: dict[str, str] = Field(
        default_factory=dict,
        description="JSON map of producing service name to its base URL (its key service)",
    )

    default_time_zone: str = Field(
        default="UTC", description="IANA time zone of a tenant that has none of its own"
    )
    tenant_time_zones: dict[str, str] = Field(
        default_factory=dict, description="JSON map of tenant to IANA time zone"
    )

    @field_validator("default_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _time_zone(value, setting="DEFAULT_TIME_ZONE")

    @field_validator("tenant_time_zones")
    @classmethod
    def _known_zones(cls, value: dict[str, str]) -> dict[str, str]:
        return {t: _time_zone(z, setting=f"TENANT_TIME_ZONES[{t}]") for t, z in value.items()}

    def time_zone_of(self, tenant: str) -> ZoneInfo:
        """The tenant's time zone (its own, else the default): it decides the tenant's today
        and the date on which a fact was recorded. The one lookup of a tenant's zone."""
        return ZoneInfo(self.tenant_time_zones.get(tenant, self.default_time_zone))

    @model_validator(mode="after")
    def _auth_configured(self) -> ServiceSettings:
        if self.jwt_secret is None and self.jwt_jwks_url is None:
            raise ValueError("set JWT_SECRET (HS256) or JWT_JWKS_URL (RS256): auth is mandatory")
        if self.environment == "production" and self.jwt_jwks_url is None:
            raise ValueError("production requires JWT_JWKS_URL (RS256); shared secrets are for dev")
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 characters")
        short = [n for n, t in self.internal_clients.items() if len(t.get_secret_value()) < 32]
        if short:
            raise ValueError(f"INTERNAL_CLIENTS: the token of {short[0]} is under 32 characters")
        if self.key_services and self.service_token is None:
            raise ValueError("KEY_SERVICES needs SERVICE_TOKEN, the token to present to them")
        return self


def _time_zone(name: str, *, setting: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{setting}: {name!r} is not an IANA time zone") from None
    return name
