from __future__ import annotations

import contextvars
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from pmo_shared.settings import ServiceSettings
from pmo_shared.telemetry.logs import configure_logging, correlation_scope, get_correlation_id


@pytest.fixture
def output(settings: ServiceSettings) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging(settings, stream=stream)
    yield stream
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_structlog_lines_are_json_with_the_correlation_id(output: io.StringIO) -> None:
    with correlation_scope("corr-1"):
        structlog.get_logger("pmo.test").info("project_started", project="p-1")

    [line] = lines(output)
    assert line["event"] == "project_started"
    assert line["project"] == "p-1"
    assert line["correlation_id"] == "corr-1"
    assert line["service"] == "unit-svc"
    assert line["level"] == "info"
    assert "timestamp" in line


def test_stdlib_loggers_share_the_format(output: io.StringIO) -> None:
    with correlation_scope("corr-2"):
        logging.getLogger("uvicorn.error").warning("server %s", "starting")

    [line] = lines(output)
    assert line["event"] == "server starting"
    assert line["logger"] == "uvicorn.error"
    assert line["correlation_id"] == "corr-2"


def test_http_clients_log_only_what_went_wrong(output: io.StringIO) -> None:
    """httpx logs each request at INFO: one line per key lookup of every page read."""
    logging.getLogger("httpx").info('HTTP Request: POST http://k/lookups "HTTP/1.1 200 OK"')
    logging.getLogger("httpcore.connection").debug("connect_tcp.started")
    logging.getLogger("httpx").warning("gave up")

    assert [line["event"] for line in lines(output)] == ["gave up"]


def test_configuring_twice_does_not_double_lines(
    output: io.StringIO, settings: ServiceSettings
) -> None:
    configure_logging(settings, stream=output)

    structlog.get_logger("pmo.test").warning("once")

    assert len(lines(output)) == 1


def test_outside_any_scope_a_correlation_is_started_and_kept() -> None:
    def twice() -> tuple[str, str]:
        return get_correlation_id(), get_correlation_id()

    first, second = contextvars.Context().run(twice)

    assert first == second
    assert len(first) == 36


def test_correlation_scopes_nest() -> None:
    with correlation_scope() as outer:
        assert get_correlation_id() == outer
        with correlation_scope("inner"):
            assert get_correlation_id() == "inner"
        assert get_correlation_id() == outer
