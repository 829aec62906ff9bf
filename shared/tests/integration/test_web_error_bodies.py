"""What a service answers when its database fails under a request, through the whole middleware
stack on the real PostgreSQL: a failed statement is a generic 500 problem with the correlation
id only (no exception text, SQL, stack trace or value), an unreachable or dropped database a
503 with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from structlog.testing import capture_logs

from pmo_shared.database.engine import create_engine_for
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.app import create_service_app
from pmo_shared.web.auth import CurrentPrincipal, issue_dev_token
from pmo_shared.web.problems import PROBLEM_CONTENT_TYPE, RETRY_AFTER_SECONDS

pytestmark = pytest.mark.integration

SECRET = "web-error-bodies-secret-of-32-chars!"
# What a leak would show: the statement, a value in it, the driver's words, Python's.
LEAKS = (
    "SELECT",
    "INSERT",
    "no_such_table",
    "hunter2",
    "does not exist",
    "duplicate key",
    "violates",
    "Traceback",
    "sqlalchemy",
    "asyncpg",
    "ProgrammingError",
    "IntegrityError",
    "DBAPIError",
    "ConnectionRefused",
    'File "',
    "127.0.0.1",
    "terminating",
)
GENERIC_500 = {"type", "title", "status", "detail", "instance", "correlation_id"}


def broken_router(unreachable: AsyncEngine) -> APIRouter:
    router = APIRouter(prefix="/v1/broken")

    @router.get("/statement")
    async def broken_statement(request: Request, principal: CurrentPrincipal) -> None:
        """A statement the database refuses."""
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT secret FROM no_such_table WHERE secret = 'hunter2'"))

    @router.post("/duplicate")
    async def duplicate(request: Request, principal: CurrentPrincipal) -> None:
        """A unique violation nobody maps to a refusal."""
        async with request.app.state.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE dupes (code text PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO dupes VALUES ('hunter2'), ('hunter2')"))

    @router.post("/terminated")
    async def terminated(request: Request, principal: CurrentPrincipal) -> None:
        """The server drops the connection in the middle of the request."""
        async with request.app.state.engine.begin() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    @router.get("/unreachable")
    async def unreachable_database(principal: CurrentPrincipal) -> None:
        """A database nobody answers for."""
        async with unreachable.connect() as conn:
            await conn.execute(text("SELECT 'hunter2'"))

    return router


@pytest.fixture
async def client(
    database_url: str, kafka_servers: str, store_schema: tuple[str, AsyncEngine]
) -> AsyncIterator[httpx.AsyncClient]:
    schema, engine = store_schema
    settings = ServiceSettings(
        service_name="web-errors-test",
        environment="test",
        database_url=database_url,
        db_schema=schema,
        kafka_bootstrap_servers=kafka_servers,
        jwt_secret=SECRET,
    )
    unreachable = create_engine_for("postgresql+asyncpg://pmo@127.0.0.1:1/pmo", schema=schema)
    app = create_service_app(
        settings, title="errors", version="0", engine=engine, routers=[broken_router(unreachable)]
    )
    token = issue_dev_token(SECRET, sub="u-1", tenant="acme", roles=["pmo"])
    # Captured, not rendered: the console renderer's traceback takes seconds a request here.
    with capture_logs():
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            yield client
    await unreachable.dispose()


def assert_reveals_nothing(response: httpx.Response) -> None:
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    for leak in LEAKS:
        assert leak not in response.text, leak
    body = response.json()
    assert set(body) == GENERIC_500
    assert body["correlation_id"] == response.headers["x-correlation-id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/broken/statement"), ("POST", "/v1/broken/duplicate")],
    ids=["broken-statement", "unique-violation"],
)
async def test_a_failed_statement_is_a_500_that_reveals_nothing(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)

    assert response.status_code == 500
    assert_reveals_nothing(response)
    assert response.json()["detail"] == "An unexpected error occurred."
    assert response.json()["type"] == "https://pmo.example/problems/internal-error"


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/broken/terminated"), ("GET", "/v1/broken/unreachable")],
    ids=["connection-dropped", "database-unreachable"],
)
async def test_a_database_out_of_reach_is_a_503_with_retry_after(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)

    assert response.status_code == 503
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert_reveals_nothing(response)
    assert response.json()["type"] == "https://pmo.example/problems/database-unavailable"


async def test_the_service_answers_again_after_a_dropped_connection(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.post("/v1/broken/terminated")).status_code == 503

    # The pool let the dead connection go: the next statement runs (and fails as a statement).
    assert (await client.get("/v1/broken/statement")).status_code == 500
