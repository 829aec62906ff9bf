from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from pmo_shared.eventstore.store import ConcurrencyError
from pmo_shared.telemetry.http import RequestObservabilityMiddleware
from pmo_shared.web.problems import (
    MAX_LISTED_ERRORS,
    PROBLEM_CONTENT_TYPE,
    Problem,
    install_problem_handlers,
)
from pmo_shared.web.requests import RequestBody


class ThingCreate(BaseModel):
    name: str = Field(min_length=1)
    budget: int = Field(ge=0)


class StrictThing(RequestBody):
    name: str


def problem_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestObservabilityMiddleware)

    @app.post("/things")
    async def create_thing(thing: ThingCreate) -> ThingCreate:
        return thing

    @app.post("/strict-things")
    async def create_strict_thing(thing: StrictThing) -> StrictThing:
        return thing

    @app.get("/things/{thing_id}")
    async def get_thing(thing_id: uuid.UUID) -> dict[str, str]:
        raise Problem(
            409,
            slug="invalid-transition",
            detail="The thing is closed.",
            extra={"current_state": "closed"},
        )

    @app.post("/things/{thing_id}/rename")
    async def rename(thing_id: uuid.UUID) -> None:
        raise ConcurrencyError(thing_id, 3)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("password=hunter2 at db.internal:5432")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=problem_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_an_invalid_body_is_a_422_problem_listing_each_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/things", json={"name": "", "budget": -1})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == "https://pmo.example/problems/validation-error"
    assert body["status"] == 422
    assert body["instance"] == "/things"
    assert body["correlation_id"] == response.headers["x-correlation-id"]
    assert {(tuple(e["loc"]), e["type"]) for e in body["errors"]} == {
        (("body", "name"), "string_too_short"),
        (("body", "budget"), "greater_than_equal"),
    }
    assert all(set(e) == {"loc", "msg", "type"} for e in body["errors"])


async def test_a_422_lists_the_first_errors_and_counts_them_all(
    client: httpx.AsyncClient,
) -> None:
    body = {"name": "n", **{f"unknown_{i}": i for i in range(5000)}}

    response = await client.post("/strict-things", json=body)

    assert response.status_code == 422
    problem = response.json()
    assert len(problem["errors"]) == MAX_LISTED_ERRORS == 20
    assert problem["error_count"] == 5000
    assert all(error["type"] == "extra_forbidden" for error in problem["errors"])
    assert len(response.content) < 5000


async def test_malformed_json_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/things", content=b'{"name": ', headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["type"] == "https://pmo.example/problems/malformed-body"


async def test_an_invalid_path_parameter_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/things/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "thing_id"]


async def test_a_raised_problem_keeps_its_members(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/things/{uuid.uuid4()}")

    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "https://pmo.example/problems/invalid-transition"
    assert body["title"] == "Conflict"
    assert body["detail"] == "The thing is closed."
    assert body["current_state"] == "closed"


async def test_a_concurrency_error_is_a_409_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/things/{uuid.uuid4()}/rename")

    assert response.status_code == 409
    assert response.json()["type"] == "https://pmo.example/problems/concurrency-conflict"


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["instance"] == "/nowhere"


async def test_a_wrong_method_is_a_405_problem_that_keeps_allow(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/things")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["type"] == "https://pmo.example/problems/method-not-allowed"


async def test_an_unexpected_error_is_a_500_problem_without_internals(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/boom", headers={"X-Correlation-ID": "trace-me-42"})

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["x-correlation-id"] == "trace-me-42"
    body = response.json()
    assert body["correlation_id"] == "trace-me-42"
    assert body["type"] == "https://pmo.example/problems/internal-error"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text


def test_extra_members_cannot_redefine_the_standard_ones() -> None:
    with pytest.raises(ValueError, match="status"):
        Problem(400, extra={"status": 200})
