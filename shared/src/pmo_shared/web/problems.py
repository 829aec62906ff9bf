"""RFC 9457 problem details: every error a service returns is `application/problem+json`.

Each body carries `type`, `title`, `status`, `detail` (when there is one), `instance` (the request
path) and `correlation_id`, plus the extra members of the problem. An error nobody expected is a
500 that says only that, with the correlation id to find it in the log: never its text, a stack
trace or SQL. A database that cannot be reached (refused, dropped, shutting down, pool
exhausted) is a 503 with `Retry-After` instead: the client may try again, and nothing was done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmo_shared.domain.errors import Refusal
from pmo_shared.telemetry.http import loggable_path
from pmo_shared.telemetry.logs import get_correlation_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://pmo.example/problems/"

_STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "correlation_id"})

MAX_LISTED_ERRORS = 20
"""A 422 lists at most this many invalid fields (and counts them all in `error_count`): a body
of a hundred thousand unknown members must not become an answer many times its size."""

RETRY_AFTER_SECONDS = 5
"""What a 503 for an unreachable database tells a client to wait before it retries."""

# SQLSTATEs of a server that cannot serve the connection: class 08 (connection exception),
# shutting down or starting up (57P01..57P03), too many connections (53300).
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})

log = structlog.get_logger(__name__)


def _slug_of(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")


class Problem(Exception):  # noqa: N818 -- RFC 9457 calls it a problem, and so do we
    """An error to send as a problem response; raise it from anywhere in request handling."""

    def __init__(
        self,
        status: int,
        *,
        slug: str | None = None,
        title: str | None = None,
        detail: str | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        clash = _STANDARD_MEMBERS.intersection(extra or {})
        if clash:
            raise ValueError(f"extra members may not redefine {sorted(clash)}")
        self.status = status
        self.type = PROBLEM_TYPE_BASE + (slug or _slug_of(status))
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.extra: dict[str, Any] = dict(extra or {})
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(detail or self.title)

    def body(self, *, instance: str) -> dict[str, Any]:
        """The JSON members of this problem as sent for the request at `instance`."""
        members: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            members["detail"] = self.detail
        members["instance"] = instance
        members["correlation_id"] = get_correlation_id()
        return {**members, **self.extra}


def problem_response(problem: Problem, *, instance: str) -> JSONResponse:
    """The HTTP response of a problem raised while serving `instance` (the request path)."""
    return JSONResponse(
        problem.body(instance=instance),
        status_code=problem.status,
        headers=problem.headers,
        media_type=PROBLEM_CONTENT_TYPE,
    )


class BodyTooLarge(StarletteHTTPException):
    """A request body over the service's limit, raised as soon as the bytes read exceed it.

    An HTTP exception, because FastAPI lets those through while it reads a body (any other
    exception there becomes a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=f"The request body exceeds the limit of {limit} bytes.")
        self.limit = limit

    def problem(self) -> Problem:
        """The 413 problem to answer."""
        return Problem(
            413,
            slug="body-too-large",
            title="Content Too Large",  # RFC 9110's name; Python 3.11 has the older phrase
            detail=str(self.detail),
            extra={"max_body_bytes": self.limit},
        )


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc, instance=request.url.path)


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    problem = Problem(exc.status_code, detail=detail, headers=exc.headers)
    return problem_response(problem, instance=request.url.path)


def _listed_errors(errors: Sequence[Any]) -> dict[str, Any]:
    # `input` and `ctx` are left out: they echo the client's data, which may hold secrets.
    listed = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in errors[:MAX_LISTED_ERRORS]
    ]
    return {"errors": listed, "error_count": len(errors)}


async def _on_body_too_large(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BodyTooLarge)
    return problem_response(exc.problem(), instance=request.url.path)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error["type"] == "json_invalid" for error in errors):
        # Syntax the server cannot parse is a bad request (RFC 9110 §15.5.1); 422 is for
        # well-formed content whose values are wrong.
        problem = Problem(
            400,
            slug="malformed-body",
            detail="The request body is not valid JSON.",
            extra=_listed_errors(errors),
        )
    else:
        problem = Problem(
            422,
            slug="validation-error",
            title="Request validation failed",
            detail="One or more request fields are invalid; see `errors`.",
            extra=_listed_errors(errors),
        )
    return problem_response(problem, instance=request.url.path)


async def _on_refusal(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refusal)
    problem = Problem(
        exc.status,
        slug=exc.code,
        title=exc.title,
        detail=exc.problem_detail(),
        extra=exc.problem_extra(),
        headers=exc.problem_headers(),
    )
    return problem_response(problem, instance=request.url.path)


class UnhandledErrorMiddleware:
    """Turns an unexpected exception into a 500 problem that reveals nothing of the internals.

    Starlette's handler for `Exception` runs outermost and re-raises after responding, so the
    error would be logged twice and lose the request's context; catching it here avoids both.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, answering with a 500 problem if the app fails before responding."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            path = loggable_path(scope)
            if started:
                log.exception("unhandled_error", method=scope["method"], path=path)
                raise
            if database_unavailable(exc):
                log.warning(
                    "database_unavailable", method=scope["method"], path=path, error=repr(exc)
                )
                problem = Problem(
                    503,
                    slug="database-unavailable",
                    title="Service Unavailable",
                    detail="The service cannot reach its database; nothing was done. Retry later.",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            else:
                log.exception("unhandled_error", method=scope["method"], path=path)
                problem = Problem(
                    500, slug="internal-error", detail="An unexpected error occurred."
                )
            await problem_response(problem, instance=scope["path"])(scope, receive, send)


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the database cannot be reached, rather than that
    a statement failed: a refused or dropped connection, a server shutting down, a full pool."""
    seen: BaseException | None = exc
    for _ in range(5):  # a short chain: SQLAlchemy's wrapper, the driver's error, its cause
        if seen is None:
            return False
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, OSError | PoolTimeoutError):
            return True  # refused, reset, unreachable, timed out; or no pooled connection free
        state = getattr(seen, "sqlstate", None)
        if isinstance(state, str) and (state.startswith("08") or state in _UNAVAILABLE_STATES):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of `app` a problem response, including the ones nobody expected."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(BodyTooLarge, _on_body_too_large)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    # Every refusal of the domain and the application (and the store's concurrency conflict)
    # declares its own status and problem type.
    app.add_exception_handler(Refusal, _on_refusal)
    app.add_middleware(UnhandledErrorMiddleware)
