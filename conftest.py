"""Fixtures every API test shares: the running services `make test` started (addresses from
the environment it exports), tokens for any tenant and roles, a tenant per test."""

from __future__ import annotations

import uuid

import pytest

from pmo_shared.testing import TokenFor, required_env
from pmo_shared.web.auth import issue_dev_token


@pytest.fixture(scope="session")
def project_url() -> str:
    return required_env("PROJECT_URL")


@pytest.fixture(scope="session")
def program_url() -> str:
    return required_env("PROGRAM_URL")


@pytest.fixture(scope="session")
def reporting_url() -> str:
    return required_env("REPORTING_URL")


@pytest.fixture(scope="session")
def jwt_secret() -> str:
    return required_env("JWT_SECRET")


@pytest.fixture(scope="session")
def token_for(jwt_secret: str) -> TokenFor:
    """`token_for(tenant, *roles, sub=...)`: a valid bearer token."""

    def make(tenant: str, *roles: str, sub: str = "pmo-carol") -> str:
        return issue_dev_token(jwt_secret, sub=sub, tenant=tenant, roles=list(roles or ("pmo",)))

    return make


@pytest.fixture
def tenant() -> str:
    """A tenant of this test alone, so tests never see each other's data."""
    return f"tenant-{uuid.uuid4().hex[:10]}"
