"""`/metrics` under PROMETHEUS_MULTIPROC_DIR: the values of several processes added up, each gauge
in its mode, and the gauges of processes that died dropped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pmo_shared.telemetry import metrics

# One worker process: counts a request, says whether it holds the relay lock, measures a backlog.
WORKER = """
import sys
from pmo_shared.telemetry import metrics
from pmo_shared.telemetry.http import HTTP_REQUESTS

HTTP_REQUESTS.labels(method="GET", route="/x", status="200").inc()
metrics.RELAY_ACTIVE.labels("svc").set(int(sys.argv[1]))
metrics.OUTBOX_BACKLOG.labels("svc").set(int(sys.argv[2]))
"""


def run_worker(directory: Path, *, relay_active: int, backlog: int) -> None:
    subprocess.run(
        [sys.executable, "-c", WORKER, str(relay_active), str(backlog)],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
        check=True,
        timeout=60,
    )


@pytest.fixture
def directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # This process's own metrics stay in memory; only what it reads comes from the directory.
    monkeypatch.setattr(metrics, "_MULTIPROCESS_DIR", str(tmp_path))
    run_worker(tmp_path, relay_active=1, backlog=5)
    run_worker(tmp_path, relay_active=0, backlog=7)
    return tmp_path


def test_the_exposed_values_add_up_every_process(directory: Path) -> None:
    registry = metrics.exposed_registry()
    sample = registry.get_sample_value

    requests = {"method": "GET", "route": "/x", "status": "200"}
    assert sample("pmo_http_requests_total", requests) == 2
    assert sample("pmo_relay_active", {"service": "svc"}) == 1  # livemax
    assert sample("pmo_outbox_backlog", {"service": "svc"}) == 7  # the latest measurement


def test_the_gauges_of_dead_processes_are_dropped_and_their_counts_kept(directory: Path) -> None:
    metrics.forget_dead_processes()

    sample = metrics.exposed_registry().get_sample_value
    assert sample("pmo_http_requests_total", {"method": "GET", "route": "/x", "status": "200"}) == 2
    assert sample("pmo_relay_active", {"service": "svc"}) is None
    assert sample("pmo_outbox_backlog", {"service": "svc"}) is None
    assert list(directory.glob("gauge_live*")) == []
