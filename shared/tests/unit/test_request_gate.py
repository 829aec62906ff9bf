"""The request gate of every service app: the method, the token, the body's size and media type
are decided before anything reads or parses the body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import model_validator

from pmo_shared.application.caller import Principal
from pmo_shared.database.engine import create_engine
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.app import create_service_app
from pmo_shared.web.auth import CurrentPrincipal, TokenVerifier, issue_dev_token
from pmo_shared.web.problems import PROBLEM_CONTENT_TYPE
from pmo_shared.web.requests import RequestBody

LIMIT = 64 * 1024
CHUNK = 16 * 1024


class Seen:
    """What the app did with a request: whether its body was validated, its handler ran."""

    validated = 0
    handled = 0


class WidgetCreate(RequestBody):
    name: str

    @model_validator(mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        Seen.validated += 1
        return value


def widgets_router() -> APIRouter:
    router = APIRouter(prefix="/v1/widgets")

    @router.post("", status_code=201)
    async def create_widget(body: WidgetCreate, principal: CurrentPrincipal) -> dict[str, str]:
        Seen.handled += 1
        return {"name": body.name, "tenant": principal.tenant}

    @router.get("")
    async def list_widgets(principal: CurrentPrincipal) -> list[str]:
        Seen.handled += 1
        return []

    return router


class CountingVerifier(TokenVerifier):
    """Counts how often a request's token is checked."""

    calls = 0

    async def verify(self, token: str) -> Principal:
        CountingVerifier.calls += 1
        return await super().verify(token)


def gated_app(settings: ServiceSettings) -> FastAPI:
    assert settings.jwt_secret is not None
    return create_service_app(
        settings.model_copy(update={"max_body_bytes": LIMIT}),
        title="unit",
        version="0",
        engine=create_engine(settings),
        routers=[widgets_router()],
        token_verifier=CountingVerifier(hs256_secret=settings.jwt_secret.get_secret_value()),
    )


@pytest.fixture(autouse=True)
def fresh_counts() -> None:
    Seen.validated = Seen.handled = CountingVerifier.calls = 0


@pytest.fixture
async def client(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=gated_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def bearer(settings: ServiceSettings) -> Any:
    def bearer(tenant: str = "acme", *roles: str) -> dict[str, str]:
        assert settings.jwt_secret is not None
        token = issue_dev_token(
            settings.jwt_secret.get_secret_value(),
            sub="u-1",
            tenant=tenant,
            roles=roles or ("pmo",),
        )
        return {"Authorization": f"Bearer {token}"}

    return bearer


def many_unknown_keys(count: int) -> bytes:
    """A JSON object of `count` members the model does not know (400,000: about 6.5 MB)."""
    return json.dumps({f"unknown_{i:07d}": 0 for i in range(count)}).encode()


class ChunkedBody:
    """A streamed body (no Content-Length) that remembers how much of it was pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield b" " * CHUNK


JSON = {"content-type": "application/json"}


async def test_a_body_over_the_limit_is_a_small_413_and_never_parsed(
    client: httpx.AsyncClient, bearer: Any
) -> None:
    body = many_unknown_keys(400_000)
    assert len(body) > 6_000_000

    response = await client.post("/v1/widgets", content=body, headers={**JSON, **bearer()})

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["type"] == "https://pmo.example/problems/body-too-large"
    assert response.json()["title"] == "Content Too Large"
    assert response.json()["max_body_bytes"] == LIMIT
    assert len(response.content) < 1000
    assert (Seen.validated, Seen.handled) == (0, 0)


@pytest.mark.parametrize(
    ("tenant", "roles"),
    [("acme", ("viewer",)), ("other-tenant", ("pmo",))],
    ids=["viewer", "other"],
)
async def test_a_valid_token_of_any_caller_does_not_get_a_huge_body_parsed(
    client: httpx.AsyncClient, bearer: Any, tenant: str, roles: tuple[str, ...]
) -> None:
    response = await client.post(
        "/v1/widgets",
        content=many_unknown_keys(400_000),
        headers={**JSON, **bearer(tenant, *roles)},
    )

    assert response.status_code == 413
    assert (Seen.validated, Seen.handled) == (0, 0)


async def test_a_streamed_body_is_cut_off_once_past_the_limit(
    client: httpx.AsyncClient, bearer: Any
) -> None:
    body = ChunkedBody(total=8 * 1024 * 1024)

    response = await client.post("/v1/widgets", content=body, headers={**JSON, **bearer()})

    assert response.status_code == 413
    assert response.json()["type"] == "https://pmo.example/problems/body-too-large"
    assert body.pulled <= LIMIT + CHUNK
    assert (Seen.validated, Seen.handled) == (0, 0)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"], ids=["none", "bad", "basic"]
)
async def test_without_an_acceptable_token_the_body_is_never_read(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    body = ChunkedBody(total=8 * 1024 * 1024)
    headers = {**JSON, **({"Authorization": authorization} if authorization else {})}

    response = await client.post("/v1/widgets", content=body, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert body.pulled == 0
    assert (Seen.validated, Seen.handled) == (0, 0)


async def test_a_401_comes_before_a_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/widgets", content=many_unknown_keys(10_000), headers=JSON)

    assert response.status_code == 401


async def test_the_token_is_verified_once_per_request(
    client: httpx.AsyncClient, bearer: Any
) -> None:
    response = await client.post("/v1/widgets", json={"name": "w"}, headers=bearer())

    assert response.status_code == 201
    assert response.json() == {"name": "w", "tenant": "acme"}
    assert CountingVerifier.calls == 1


async def test_a_body_within_the_limit_is_served(client: httpx.AsyncClient, bearer: Any) -> None:
    name = "x" * (LIMIT // 2)

    response = await client.post("/v1/widgets", json={"name": name}, headers=bearer())

    assert response.status_code == 201
    assert Seen.handled == 1


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", None], ids=str
)
async def test_a_body_that_is_not_json_is_a_415(
    client: httpx.AsyncClient, bearer: Any, content_type: str | None
) -> None:
    headers = {**bearer(), **({"content-type": content_type} if content_type else {})}

    response = await client.post("/v1/widgets", content=b'{"name": "w"}', headers=headers)

    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["accept"] == "application/json"
    assert response.json()["type"] == "https://pmo.example/problems/unsupported-media-type"
    assert (Seen.validated, Seen.handled) == (0, 0)


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json"]
)
async def test_json_media_types_are_accepted(
    client: httpx.AsyncClient, bearer: Any, content_type: str
) -> None:
    response = await client.post(
        "/v1/widgets", content=b'{"name": "w"}', headers={**bearer(), "content-type": content_type}
    )

    assert response.status_code == 201


async def test_a_route_without_a_body_ignores_the_media_type(
    client: httpx.AsyncClient, bearer: Any
) -> None:
    response = await client.get("/v1/widgets", headers={**bearer(), "content-type": "text/plain"})

    assert response.status_code == 200


async def test_options_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.options("/v1/widgets")

    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, POST"
    assert Seen.handled == 0


async def test_another_method_is_a_405_naming_every_method(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/widgets")

    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["allow"] == "GET, OPTIONS, POST"


async def test_options_on_an_unknown_path_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.options("/v1/nothing-here")

    assert response.status_code == 404
