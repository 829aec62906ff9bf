"""Graceful shutdown of an API process (`pmo_shared.web.app.serve`): on SIGTERM the request in
flight finishes with its 2xx, new connections are refused, and the process exits 0; a request
longer than `SHUTDOWN_GRACE_SECONDS` is cut so the stop stays bounded.

The app is the kernel's (`create_service_app`, with one slow route), served by `serve()` in a
process of its own on its own port, against the test stack's PostgreSQL."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from .conftest import Process, Spawn, stack_env

pytestmark = pytest.mark.integration

SERVE = (
    "from pmo_shared.settings import ServiceSettings; from pmo_shared.web.app import serve; "
    "serve('deploy_runtime_slow_app:create_app', ServiceSettings.model_validate({}))"
)


def _start(spawn: Spawn, *, grace: int) -> Process:
    env = stack_env(
        SERVICE_NAME="deploy-runtime-slow",
        DB_SCHEMA="public",
        SHUTDOWN_GRACE_SECONDS=str(grace),
        PYTHONPATH=str(Path(__file__).parent),
        WEB_CONCURRENCY="1",
    )
    process = spawn([sys.executable, "-c", SERVE], env)
    process.wait_ready("/healthz")
    return process


class _Request(threading.Thread):
    """One slow request, in the background; its status or its transport error."""

    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(daemon=True)
        self.url, self.seconds = url, seconds
        self.status: int | None = None
        self.error: Exception | None = None
        self.finished_at = 0.0

    def run(self) -> None:
        try:
            answer = httpx.get(
                f"{self.url}/internal/slow", params={"seconds": self.seconds}, timeout=60
            )
            self.status = answer.status_code
        except httpx.TransportError as exc:
            self.error = exc
        self.finished_at = time.monotonic()


def _in_flight(process: Process, seconds: float) -> _Request:
    request = _Request(process.url, seconds)
    request.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the handler has begun: the request is in flight
        if httpx.get(f"{process.url}/internal/started", timeout=2).json()["started"] >= 1:
            return request
        time.sleep(0.05)
    pytest.fail(f"the slow request never began:\n{process.output()}")


def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(spawn: Spawn) -> None:
    process = _start(spawn, grace=20)
    request = _in_flight(process, seconds=2.0)

    process.popen.send_signal(15)
    refused = False
    deadline = time.monotonic() + 10
    while request.is_alive() and time.monotonic() < deadline:
        try:  # the listener closes at once: nothing new gets in while the old one drains
            httpx.get(f"{process.url}/healthz", timeout=1)
        except httpx.TransportError:
            refused = True
            break
        time.sleep(0.05)
    code = process.popen.wait(timeout=30)
    exited_at = time.monotonic()
    request.join(timeout=5)

    assert request.error is None, process.output()
    assert request.status == 200
    assert request.finished_at <= exited_at
    assert refused, "a new connection was accepted after SIGTERM"
    assert code == 0, process.output()
    assert "stop_signal_after_drain" in process.output()


def test_a_request_longer_than_the_grace_is_cut_and_the_stop_stays_bounded(
    spawn: Spawn,
) -> None:
    process = _start(spawn, grace=1)
    request = _in_flight(process, seconds=30.0)

    sent = time.monotonic()
    code = process.terminate(deadline=15)
    took = time.monotonic() - sent
    request.join(timeout=5)

    assert code == 0, process.output()
    assert took < 10, f"stopping took {took:.1f}s with SHUTDOWN_GRACE_SECONDS=1"
    assert request.status is None or request.status >= 500
