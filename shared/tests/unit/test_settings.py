from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pmo_shared.database.migrations import MigrationSettings
from pmo_shared.settings import ServiceSettings

VALID: dict[str, Any] = {
    "service_name": "unit-svc",
    "database_url": "postgresql://pmo@localhost/pmo",
    "db_schema": "unit",
    "kafka_bootstrap_servers": "localhost:9092",
    "jwt_secret": "s" * 32,
}


def settings_with(**changes: Any) -> ServiceSettings:
    values = {k: v for k, v in {**VALID, **changes}.items() if v is not None}
    return ServiceSettings(**values)


def test_plain_postgresql_urls_are_upgraded_to_asyncpg() -> None:
    assert settings_with().database_url == "postgresql+asyncpg://pmo@localhost/pmo"


@pytest.mark.parametrize("url", ["mysql://pmo@localhost/pmo", "sqlite:///x.db", "localhost"])
def test_a_non_postgresql_url_fails_at_boot(url: str) -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        settings_with(database_url=url)


def test_an_unsafe_schema_name_fails_at_boot() -> None:
    with pytest.raises(ValidationError, match="DB_SCHEMA"):
        settings_with(db_schema='x"; drop table events; --')


def test_missing_auth_configuration_fails_at_boot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("JWT_JWKS_URL", raising=False)
    with pytest.raises(ValidationError, match="auth is mandatory"):
        settings_with(jwt_secret=None)


def test_a_short_secret_fails_at_boot() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        settings_with(jwt_secret="short")


def test_production_refuses_a_shared_secret() -> None:
    with pytest.raises(ValidationError, match="JWT_JWKS_URL"):
        settings_with(environment="production")


def test_migrations_need_no_auth_or_kafka_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://pmo@localhost/pmo")
    monkeypatch.delenv("DB_SCHEMA", raising=False)

    settings = MigrationSettings.from_env(default_schema="project")

    assert settings.database_url == "postgresql+asyncpg://pmo@localhost/pmo"
    assert settings.db_schema == "project"


def test_migrations_validate_the_url_like_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://pmo@localhost/pmo")
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        MigrationSettings.from_env(default_schema="project")


def test_migrations_fail_fast_without_a_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ValidationError, match="DATABASE_URL is not set"):
        MigrationSettings.from_env(default_schema="project")
