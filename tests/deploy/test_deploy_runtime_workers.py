"""The processes without an API of their own, against the test stack: `pmo-relay` and
`reporting-consumer` answer `/healthz`, `/readyz` and `/metrics` on PORT and exit 0 on SIGTERM;
a reporting-svc API with RUN_PROJECTIONS=false follows the live generation (ready, reports
served) without consuming.

The consumer joins the running reporting-svc's consumer group on the stack's own schema, as a
second replica would (partitions are shared, nothing is lost); the relay stands by behind the
running program-svc's relay lock."""

from __future__ import annotations

import sys

import httpx
import pytest

from pmo_shared.web.auth import issue_dev_token

from .conftest import BIN, Spawn, stack_env

pytestmark = pytest.mark.integration


def _ops(url: str) -> tuple[dict[str, object], str]:
    assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    ready = httpx.get(f"{url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    metrics = httpx.get(f"{url}/metrics", timeout=5)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    return ready.json(), metrics.text


def test_relay_answers_probes_and_metrics_and_stops_on_sigterm(spawn: Spawn) -> None:
    env = stack_env(SERVICE_NAME="program-svc", DB_SCHEMA="program")
    relay = spawn([str(BIN / "pmo-relay")], env)
    relay.wait_ready()

    ready, metrics = _ops(relay.url)

    assert ready["checks"] == {"database": "ok", "kafka": "ok"}
    assert "pmo_relay_active" in metrics
    assert relay.terminate() == 0, relay.output()


def test_reporting_consumer_is_ready_once_feeding_and_stops_on_sigterm(spawn: Spawn) -> None:
    env = stack_env(DB_SCHEMA="reporting")
    consumer = spawn([str(BIN / "reporting-consumer")], env)
    consumer.wait_ready()

    ready, metrics = _ops(consumer.url)

    assert ready["checks"] == {"database": "ok", "projections": "ok", "kafka": "ok"}
    assert "pmo_consumer_lag" in metrics
    assert consumer.terminate() == 0, consumer.output()
    assert "projections.consumer_stopped" in consumer.output()


def test_reporting_api_without_projections_follows_the_live_generation(spawn: Spawn) -> None:
    env = stack_env(DB_SCHEMA="reporting", RUN_PROJECTIONS="false")
    api = spawn([sys.executable, "-m", "reporting_svc"], env)
    api.wait_ready()
    roles = ["platform_operator"]
    token = issue_dev_token(env["JWT_SECRET"], tenant="d1-runtime", roles=roles, sub="d1")

    answer = httpx.get(
        f"{api.url}/v1/projections", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )

    assert answer.status_code == 200, answer.text
    [projection] = answer.json()
    assert [g["status"] for g in projection["generations"]].count("live") == 1
    assert "projections.following" in api.output()
    assert "projections.consumer_started" not in api.output()
    assert api.terminate() == 0, api.output()
