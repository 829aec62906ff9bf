"""Prometheus metrics of the kernel, and how `/metrics` adds up the worker processes.

A service run with several uvicorn workers (`WEB_CONCURRENCY`) has one set of metrics per
process. With `PROMETHEUS_MULTIPROC_DIR` set (deploy/local/stack.sh sets one per service and
wipes it at start; `serve` makes a private one when it starts several workers without it),
prometheus-client keeps every process's values in files there and `/metrics` reports their sum,
whichever worker answers. Counters and histograms add up; each gauge says how:

- `pmo_relay_active`: `livemax`, 1 while some live process of the service holds the relay lock
  (at most one does; a sum would count a worker that died holding it twice);
- `pmo_outbox_backlog`, `pmo_outbox_oldest_age_seconds` and `pmo_consumer_lag`:
  `livemostrecent`, the latest measurement: every
  worker measures the same outbox, and a partition's lag is the last owner's figure, so neither
  an older reading nor a sum over workers would be true.

`live` modes drop a process's gauges when it exits (`retire_this_process`) or, if it died without
exiting, when a worker next starts (`forget_dead_processes`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
# prometheus-client picks its value storage when imported, from this variable: read it once too.
_MULTIPROCESS_DIR = os.environ.get(MULTIPROCESS_ENV) or None
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live[a-z]+_(\d+)\.db$")

EVENTS_APPENDED = Counter(
    "pmo_events_appended_total", "Events appended to the store", ["stream_type", "event_type"]
)
APPEND_CONFLICTS = Counter(
    "pmo_append_conflicts_total", "Appends refused for a stale expected version", ["stream_type"]
)
EVENTS_PUBLISHED = Counter(
    "pmo_events_published_total", "Events the outbox relay published to Kafka", ["service"]
)
OUTBOX_BACKLOG = Gauge(
    "pmo_outbox_backlog",
    "Events waiting in the outbox at the relay's last look",
    ["service"],
    multiprocess_mode="livemostrecent",
)
OUTBOX_OLDEST_AGE = Gauge(
    "pmo_outbox_oldest_age_seconds",
    "Age of the oldest event waiting in the outbox at the relay's last look (0: none waits)",
    ["service"],
    multiprocess_mode="livemostrecent",
)
RELAY_ACTIVE = Gauge(
    "pmo_relay_active",
    "1 while a process of the service holds its relay lock",
    ["service"],
    multiprocess_mode="livemax",
)
RELAY_ERRORS = Counter(
    "pmo_relay_errors_total", "Relay batches that failed and will be retried", ["service"]
)
EVENTS_CONSUMED = Counter(
    "pmo_events_consumed_total", "Events a consumer applied to its read models", ["consumer"]
)
EVENTS_DUPLICATE = Counter(
    "pmo_events_duplicate_total", "Redelivered events a consumer skipped", ["consumer"]
)
DEAD_LETTERS = Counter(
    "pmo_dead_letters_total", "Messages sent to the dead-letter topic", ["consumer"]
)
CONSUMER_LAG = Gauge(
    "pmo_consumer_lag",
    "End offset minus consumed offset",
    ["consumer", "topic", "partition"],
    multiprocess_mode="livemostrecent",
)
BATCH_SECONDS = Histogram(
    "pmo_consumer_batch_seconds", "Time to apply and commit one consumed batch", ["consumer"]
)


def exposed_registry() -> CollectorRegistry:
    """What `/metrics` reports: this process's registry, or under `PROMETHEUS_MULTIPROC_DIR`
    the values of every process of the service, added up."""
    if _MULTIPROCESS_DIR is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=_MULTIPROCESS_DIR)  # type: ignore[no-untyped-call]
    return registry


def retire_this_process() -> None:
    """Drop this process's live gauges: it is about to exit (a no-op outside multiprocess mode)."""
    if _MULTIPROCESS_DIR is not None:
        _mark_dead(os.getpid(), _MULTIPROCESS_DIR)


def forget_dead_processes() -> None:
    """Drop the live gauges of processes that died without retiring (e.g. killed workers)."""
    if _MULTIPROCESS_DIR is None:
        return
    for path in Path(_MULTIPROCESS_DIR).glob("gauge_live*_*.db"):
        match = _LIVE_GAUGE_FILE.match(path.name)
        if match and not _alive(int(match.group(1))):
            _mark_dead(int(match.group(1)), _MULTIPROCESS_DIR)


def _mark_dead(pid: int, directory: str) -> None:
    mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]  # the library is untyped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, under another user
    return True
