"""JSON logs through structlog, with the correlation id of the current unit of work on every line.

Standard-library loggers (uvicorn, aiokafka, SQLAlchemy) go through the same renderer, so a
process writes one JSON object per line whoever logged it.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from pmo_shared.settings import ServiceSettings

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)

# Our handler is tagged so that configuring twice replaces it instead of doubling every line.
_HANDLER_NAME = "pmo-json"


def new_correlation_id() -> str:
    """A fresh correlation id."""
    return str(uuid.uuid4())


def get_correlation_id() -> str:
    """The correlation id of the current unit of work, starting one if none is in progress."""
    current = correlation_id_var.get()
    if current is None:
        # Outside a request (a consumer, a script) the first caller starts the correlation, so
        # the log lines and the events of that unit of work still share one id.
        current = new_correlation_id()
        correlation_id_var.set(current)
    return current


@contextmanager
def correlation_scope(correlation_id: str | None = None) -> Iterator[str]:
    """Run a block under `correlation_id` (a new one when None), restoring the previous after."""
    value = correlation_id or new_correlation_id()
    token = correlation_id_var.set(value)
    try:
        yield value
    finally:
        correlation_id_var.reset(token)


def _add_correlation_id(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    correlation_id = correlation_id_var.get()
    if correlation_id is not None:
        event_dict.setdefault("correlation_id", correlation_id)
    return event_dict


def _add_service(service: str) -> Processor:
    def add(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add


def _shared_processors(service: str) -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        _add_correlation_id,
    ]


def configure_logging(settings: ServiceSettings, *, stream: TextIO | None = None) -> None:
    """Send every log record of the process, as JSON lines, to stdout (or `stream`)."""
    shared = _shared_processors(settings.service_name)
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != _HANDLER_NAME]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    _route_library_loggers()


def _route_library_loggers() -> None:
    # uvicorn installs its own handlers when it configures logging; we hand it no config and
    # strip any handlers so its records propagate to ours. Access lines are ours (middleware).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka"):
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # aiokafka logs every reconnect attempt at INFO; warnings are what an operator needs.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    # httpx/httpcore log every request at INFO (reporting-svc's key lookups: one line per page
    # read per key service, a twentieth of its CPU under load); a failed lookup is logged by
    # its caller with what it means.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
