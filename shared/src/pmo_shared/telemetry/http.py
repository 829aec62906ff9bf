"""Per-request plumbing: correlation id, Prometheus HTTP metrics, one log line per request."""

from __future__ import annotations

import re
import time

import structlog
from prometheus_client import Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmo_shared.telemetry.logs import correlation_scope

CORRELATION_HEADER = "X-Correlation-ID"
OPS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

# A caller-supplied id is echoed into headers and every log line: accept only a safe shape.
_VALID_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_UNMATCHED_ROUTE = "<unmatched>"
# FastAPI marks only its API routes in the scope; its own docs routes are few and fixed.
_DOCS_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect"})

HTTP_REQUESTS = Counter(
    "pmo_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "pmo_http_request_duration_seconds",
    "Time from receiving an HTTP request to finishing its response",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

log = structlog.get_logger("pmo.http")


def _incoming_correlation_id(scope: Scope) -> str | None:
    wanted = CORRELATION_HEADER.lower().encode("latin-1")
    for name, value in scope["headers"]:
        if name == wanted:
            text = value.decode("latin-1")
            return text if _VALID_CORRELATION_ID.match(text) else None
    return None


def _route_template(scope: Scope) -> str:
    # The template, not the path, labels metrics: ids in paths would explode cardinality.
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    return scope["path"] if scope["path"] in _DOCS_PATHS else _UNMATCHED_ROUTE


PERSONAL_PATH_PARAMETERS = ("{user_id}",)
"""Path parameters that are a person's user id: a log line shows the route template instead."""


def loggable_path(scope: Scope) -> str:
    """The request's path for a log line: its route template where the path names a person
    (logs are kept and shipped; a user id in them would outlive an erasure)."""
    route = _route_template(scope)
    if any(p in route for p in PERSONAL_PATH_PARAMETERS):
        return route
    path: str = scope["path"]
    return path


class RequestObservabilityMiddleware:
    """Sets the correlation id (from `X-Correlation-ID` or new), echoes it in the response,
    and records the request's metrics and log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request inside its correlation scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with correlation_scope(_incoming_correlation_id(scope)) as correlation_id:
            status = 500
            started = time.perf_counter()

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    MutableHeaders(scope=message)[CORRELATION_HEADER] = correlation_id
                await send(message)

            try:
                await self.app(scope, receive, send_with_id)
            finally:
                _record(scope, status=status, seconds=time.perf_counter() - started)


def _record(scope: Scope, *, status: int, seconds: float) -> None:
    method, route = scope["method"], _route_template(scope)
    HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    HTTP_LATENCY.labels(method=method, route=route).observe(seconds)
    # Probes arrive every few seconds; at INFO they would drown the requests that matter.
    emit = log.debug if scope["path"] in OPS_PATHS else log.info
    emit(
        "http_request",
        method=method,
        path=loggable_path(scope),
        route=route,
        status=status,
        duration_ms=round(seconds * 1000, 2),
    )
