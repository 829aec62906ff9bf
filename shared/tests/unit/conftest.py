from __future__ import annotations

import pytest

from pmo_shared.settings import ServiceSettings


@pytest.fixture
def settings() -> ServiceSettings:
    # Port 1 refuses connections at once: ops tests see failing dependencies without waiting.
    return ServiceSettings(
        service_name="unit-svc",
        environment="test",
        database_url="postgresql://pmo@127.0.0.1:1/pmo",
        db_schema="unit",
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret="unit-test-secret-of-at-least-32-characters",
    )
