"""The FastAPI application every service is: plumbing, ops routes, auth, background tasks."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import structlog
import uvicorn
from fastapi import APIRouter, Depends, FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine
from uvicorn.importer import import_from_string

from pmo_shared.messaging.kafka import connection
from pmo_shared.settings import ServiceSettings
from pmo_shared.tasks import BackgroundTask
from pmo_shared.telemetry.http import RequestObservabilityMiddleware
from pmo_shared.telemetry.logs import configure_logging
from pmo_shared.telemetry.metrics import (
    MULTIPROCESS_ENV,
    forget_dead_processes,
    retire_this_process,
)
from pmo_shared.web.auth import (
    BEARER_SCHEME_NAME,
    TokenVerifier,
    authenticate,
    install_token_verifier,
)
from pmo_shared.web.docs import DOCS_ASSETS_PATH, install_offline_docs
from pmo_shared.web.gate import RequestGateMiddleware
from pmo_shared.web.headers import SecurityHeadersMiddleware
from pmo_shared.web.health import ReadinessCheck, database_check, kafka_check, ops_router
from pmo_shared.web.problems import install_problem_handlers
from pmo_shared.web.ratelimit import MUTATING_METHODS, CommandRateLimiter

BACKGROUND_STOP_SECONDS = 10.0
"""How long background jobs (relay, consumers) get to stop once the app shuts down."""

log = structlog.get_logger(__name__)


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    version: str,
    engine: AsyncEngine,
    routers: Sequence[APIRouter] = (),
    readiness: Sequence[ReadinessCheck] = (),
    background: Sequence[BackgroundTask] = (),
    token_verifier: TokenVerifier | None = None,
    internal_routers: Sequence[APIRouter] = (),
    startup: Sequence[Callable[[], Awaitable[None]]] = (),
    shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
) -> FastAPI:
    """A service app: every router behind bearer auth, ops routes open, problems for errors.
    `internal_routers` authenticate other services themselves (`web.datasubjects`); `startup`
    checks run before the app serves (one that raises stops the process), `shutdown` after.

        Before a body is read, the request gate (`web.gate`) checks the method, the token of an
        authenticated route, the body's size (`max_body_bytes`) and media type, and the rate of
        the tenant's commands (`command_rate_per_second`, `command_burst`: `web.ratelimit`).
        Readiness needs the database and every check in `readiness`; Kafka is reported but only
        degrades the service (`web.health`)."""
    app = FastAPI(
        title=title,
        version=version,
        openapi_url="/openapi.json",
        docs_url=None,  # served from local assets by install_offline_docs
        redoc_url=None,
        lifespan=_lifespan(
            engine=engine, background=background, startup=startup, shutdown=shutdown
        ),
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.startup_checks = tuple(startup)
    app.state.shutdown_steps = tuple(shutdown)
    install_token_verifier(app, token_verifier or TokenVerifier.from_settings(settings))
    # Order matters: the last middleware added runs outermost. The gate runs inside the problem
    # middleware (its failures are 500 problems); every answer, the 500 included, gets the
    # security headers and is counted, logged and tagged with the correlation id.
    app.add_middleware(
        RequestGateMiddleware,
        routes=app.router.routes,
        max_body_bytes=settings.max_body_bytes,
        command_limiter=CommandRateLimiter.configured(
            rate_per_second=settings.command_rate_per_second, burst=settings.command_burst
        ),
    )
    install_problem_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware, revalidated_prefixes=(DOCS_ASSETS_PATH,))
    app.add_middleware(RequestObservabilityMiddleware)
    install_offline_docs(app)
    checks = [database_check(engine), kafka_check(connection(settings)), *readiness]
    app.include_router(ops_router(checks))
    for router in routers:
        # Authentication is the default, not something each route has to remember.
        app.include_router(router, dependencies=[Depends(authenticate)])
    for router in internal_routers:
        app.include_router(router)
    app.openapi = _openapi_with_bearer_scheme(app)  # type: ignore[method-assign]
    return app


def _lifespan(
    *,
    engine: AsyncEngine,
    background: Sequence[BackgroundTask],
    startup: Sequence[Callable[[], Awaitable[None]]],
    shutdown: Sequence[Callable[[], Awaitable[None]]],
) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(app.state.settings)  # again in each worker process
        forget_dead_processes()
        for check in startup:
            try:
                await check()
            except Exception as exc:
                log.critical("startup_check_failed", check=check.__qualname__, error=str(exc))
                raise
        stop = asyncio.Event()
        tasks = [_start(job, stop=stop) for job in background]
        try:
            yield
        finally:
            stop.set()
            await _finish(tasks)
            for close in shutdown:
                await close()
            await engine.dispose()
            retire_this_process()

    return lifespan


def _start(job: BackgroundTask, *, stop: asyncio.Event) -> asyncio.Task[None]:
    name = getattr(job, "__qualname__", repr(job))

    async def run() -> None:
        try:
            await job(stop)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A dead relay or consumer must be loud: nothing else would notice the silence.
            log.exception("background_task_crashed", task=name)
            raise
        if not stop.is_set():
            log.error("background_task_exited_early", task=name)

    log.info("background_task_started", task=name)
    return asyncio.create_task(run(), name=name)


async def _finish(tasks: Sequence[asyncio.Task[None]]) -> None:
    if not tasks:
        return
    _done, pending = await asyncio.wait(tasks, timeout=BACKGROUND_STOP_SECONDS)
    for task in pending:
        log.warning("background_task_cancelled", task=task.get_name())
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem detail",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "correlation_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
        "error_count": {"type": "integer"},
    },
    "additionalProperties": True,
}
_PROBLEMS = {
    "400": "Malformed request (body, header or cursor)",
    "401": "Missing or invalid bearer token",
    "403": "The caller's roles do not allow this",
    "404": "No such resource for the caller's tenant",
    "409": "Refused by a business rule or the resource's current state",
    "412": "If-Match names a stale version",
    "422": "A field is invalid (the first fields listed in `errors`, all counted in `error_count`)",
    "503": "The database cannot be reached now; nothing was done (retry after `Retry-After`)",
}
_COMMAND_PROBLEMS = {
    "429": "The tenant sent more commands than its rate allows (retry after `Retry-After`)",
}
_BODY_PROBLEMS = {
    "413": "The body is larger than the service accepts",
    "415": "The body is not application/json",
}


def _openapi_with_bearer_scheme(app: FastAPI) -> Callable[[], dict[str, Any]]:
    # Routes that depend on `authenticate` declare the scheme themselves; a service with only
    # ops routes still documents how its API is secured. Every authenticated operation also
    # documents the problem responses it can give, in their real media type.
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {}).setdefault(
            BEARER_SCHEME_NAME, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        )
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                if operation.get("security"):
                    _document_problems(operation, command=method.upper() in MUTATING_METHODS)
        app.openapi_schema = schema
        return schema

    return openapi


def _document_problems(operation: dict[str, Any], *, command: bool) -> None:
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    responses = operation.setdefault("responses", {})
    problems = {
        **_PROBLEMS,
        **(_BODY_PROBLEMS if "requestBody" in operation else {}),
        **(_COMMAND_PROBLEMS if command else {}),
    }
    for status, description in problems.items():
        responses[status] = {"description": description, "content": content}


class ProcessSettings(BaseSettings):
    """How a process of a service stops, and where a process without an API (the relay, the
    consumers) answers its probes; read from the same environment as the service's settings."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    shutdown_grace_seconds: int = Field(
        default=20,
        ge=0,
        le=600,
        description=(
            "after SIGTERM, how long in-flight requests may take to finish before they are "
            "cancelled (keep it below the pod's terminationGracePeriodSeconds)"
        ),
    )
    host: str = "127.0.0.1"
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="where a worker process serves /healthz, /readyz and /metrics (unset: none)",
    )


def serve(factory: str, settings: ServiceSettings) -> None:
    """Run the app that `factory` ("module:function") builds under uvicorn (uvloop, httptools),
    in `WEB_CONCURRENCY` worker processes, with the process's JSON logging.

    On SIGTERM (or SIGINT) the server stops accepting connections, lets the requests in flight
    finish for up to `SHUTDOWN_GRACE_SECONDS`, runs the app's shutdown and the process exits 0."""
    configure_logging(settings)
    grace = ProcessSettings().shutdown_grace_seconds
    if not asyncio.run(_preflight(factory)):
        # uvicorn's worker supervisor would stop with exit code 0: say it failed
        raise SystemExit(3)
    # uvicorn re-raises the stop signal once it has drained, under the handler it found: a
    # no-op one makes a requested stop a clean exit (0) instead of death by the signal.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _stopped)
    with _shared_metrics(settings):
        uvicorn.run(
            factory,
            factory=True,
            workers=settings.web_concurrency,
            host=settings.host,
            port=settings.port,
            loop="uvloop",
            http="httptools",
            lifespan="on",
            timeout_graceful_shutdown=grace,
            # Logging is ours: uvicorn keeps its hands off, and the middleware writes access lines.
            log_config=None,
            access_log=False,
            server_header=False,
        )
    log.info("server_stopped")


def _stopped(signum: int, _frame: object) -> None:
    log.info("stop_signal_after_drain", signal=signal.Signals(signum).name)


class _OpsServer(uvicorn.Server):
    """uvicorn serving a worker's ops routes; the worker, not uvicorn, owns the stop signals."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave the process's signal handlers alone."""
        yield


async def run_worker(
    job: BackgroundTask,
    *,
    title: str,
    checks: Sequence[ReadinessCheck],
    process: ProcessSettings,
) -> None:
    """Run `job` until SIGTERM or SIGINT; meanwhile serve `/healthz`, `/readyz` (`checks`) and
    `/metrics` on `process.host`:`process.port` when a port is set. The job gets the stop event
    and drains itself; the probes answer until it has. A job that dies or returns before it was
    asked to stop raises (the process exits non-zero, so the orchestrator restarts it)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, stop.set)
    server: _OpsServer | None = None
    serving: asyncio.Task[None] | None = None
    if process.port is not None:
        app = FastAPI(title=title, openapi_url=None, docs_url=None, redoc_url=None)
        app.include_router(ops_router(checks))
        server = _OpsServer(
            uvicorn.Config(
                app,
                host=process.host,
                port=process.port,
                lifespan="off",
                log_config=None,
                access_log=False,
                server_header=False,
            )
        )
        serving = asyncio.create_task(server.serve(), name=f"{title}-ops")

    async def work() -> None:
        await job(stop)

    working = asyncio.create_task(work(), name=title)
    log.info("worker_started", worker=title, port=process.port)
    try:
        waiting: set[asyncio.Task[None]] = {working} if serving is None else {working, serving}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if not working.done():  # the ops server failed (e.g. its port is taken)
            stop.set()
            if serving is not None:
                await serving  # raises what stopped it
        await working
        if not stop.is_set():
            raise RuntimeError(f"{title} stopped before it was asked to")
    finally:
        stop.set()
        if not working.done():
            await asyncio.wait({working}, timeout=process.shutdown_grace_seconds)
            working.cancel()
        if server is not None and serving is not None:
            server.should_exit = True
            await asyncio.gather(serving, return_exceptions=True)
        log.info("worker_stopped", worker=title)


async def _preflight(factory: str) -> bool:
    """The app's startup checks, once in the parent process before any worker starts."""
    app = import_from_string(factory)()
    try:
        for check in app.state.startup_checks:
            await check()
    except Exception as exc:
        log.critical("startup_check_failed", error=str(exc))
        return False
    finally:
        for close in app.state.shutdown_steps:
            await close()
        await app.state.engine.dispose()
    return True


@contextmanager
def _shared_metrics(settings: ServiceSettings) -> Iterator[None]:
    # Several workers without PROMETHEUS_MULTIPROC_DIR would each answer /metrics with their own
    # counters: give them a directory of their own for the life of this process tree.
    if settings.web_concurrency == 1 or os.environ.get(MULTIPROCESS_ENV):
        yield
        return
    directory = tempfile.mkdtemp(prefix=f"pmo-metrics-{settings.service_name}-")
    os.environ[MULTIPROCESS_ENV] = directory
    log.info("metrics_multiprocess_dir", path=directory)
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_ENV]
        shutil.rmtree(directory, ignore_errors=True)
