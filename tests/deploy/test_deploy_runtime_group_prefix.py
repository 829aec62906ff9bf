"""CONSUMER_GROUP_PREFIX: a second deployment on the same Kafka (the image smoke test, a
canary) joins consumer groups of its own, never the first deployment's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import create_async_engine

from pmo_shared.settings import KernelSettings
from portfolio_svc.references import runner as portfolio_runner
from program_svc.references import runner as program_runner
from project_svc.references import runner as project_runner

FACTORIES: list[tuple[Callable[..., Any], str]] = [
    (project_runner.portfolio_refs_consumer, project_runner.GROUP_ID),
    (program_runner.project_refs_consumer, program_runner.GROUP_ID),
    (portfolio_runner.references_consumer, portfolio_runner.GROUP_ID),
]


def _settings(**values: str) -> KernelSettings:
    return KernelSettings.model_validate(
        {
            "service_name": "x-svc",
            "database_url": "postgresql://u@127.0.0.1:1/db",
            "db_schema": "x",
            "kafka_bootstrap_servers": "127.0.0.1:1",
            **values,
        }
    )


@pytest.mark.parametrize(("factory", "group"), FACTORIES)
@pytest.mark.parametrize("prefix", ["", "smoke-1."])
def test_deploy_group_prefix_goes_before_every_reference_group(
    factory: Callable[..., Any], group: str, prefix: str
) -> None:
    engine = create_async_engine("postgresql+asyncpg://u@127.0.0.1:1/db")
    job = factory(_settings(consumer_group_prefix=prefix), engine)
    assert job.__self__._group_id == prefix + group


@pytest.mark.parametrize("prefix", ["a b", "x/y", "é", "p" * 101])
def test_deploy_group_prefix_refuses_what_kafka_would_not_take(prefix: str) -> None:
    with pytest.raises(ValidationError, match="consumer_group_prefix"):
        _settings(consumer_group_prefix=prefix)
