"""The import's HTTP client: retries through unavailability and dropped connections with the
same Idempotency-Key, Retry-After honoured and capped, refusals carried with their problem."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from pmo_shared.cli.client import (
    CommandRefusedError,
    ProjectService,
    Retries,
    ServiceUnavailableError,
    retry_after,
)

Handler = Callable[[httpx.Request], httpx.Response]


class Pauses:
    """A sleep that only notes how long it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def service_of(handler: Handler, pauses: Pauses, *, attempts: int = 5) -> ProjectService:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://svc")
    return ProjectService(
        http,
        token="proposer",
        approver_token="approver",
        retries=Retries(attempts=attempts, max_wait=30.0, first_wait=0.5),
        sleep=pauses,
    )


async def test_a_503_is_retried_after_its_retry_after_with_the_same_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(503, headers={"Retry-After": "2"}, json={"title": "busy"})
        return httpx.Response(200, json={"version": 3})

    pauses = Pauses()
    service = service_of(handler, pauses)

    answer = await service.command("/v1/projects/p/start", {}, key="k-1", if_match=2)

    assert answer == {"version": 3}
    assert pauses.waits == [2.0]
    assert [r.headers["Idempotency-Key"] for r in seen] == ["k-1", "k-1"]
    assert [r.headers["If-Match"] for r in seen] == ['"2"', '"2"']
    assert service.commands_sent == 2


async def test_a_dropped_connection_is_retried_with_the_same_key_and_growing_pauses() -> None:
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) < 3:
            raise httpx.ReadError("connection dropped", request=request)
        return httpx.Response(201, json={"id": "c", "version": 5})

    pauses = Pauses()
    answer = await service_of(handler, pauses).command("/x", {"a": 1}, key="k-2", if_match=None)

    assert answer == {"id": "c", "version": 5}
    assert keys == ["k-2"] * 3
    assert pauses.waits == [0.5, 1.0]


async def test_the_approver_sends_the_approval() -> None:
    tokens: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tokens.append(request.headers["Authorization"])
        return httpx.Response(200, json={"version": 1})

    service = service_of(handler, Pauses())
    await service.command("/approve", {}, key="k", if_match=None, approver=True)
    await service.command("/start", {}, key="k", if_match=None)

    assert tokens == ["Bearer approver", "Bearer proposer"]


async def test_a_refusal_is_not_retried_and_carries_the_problem() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        problem = {
            "title": "Request validation failed",
            "detail": "One or more request fields are invalid; see `errors`.",
            "errors": [{"loc": ["body", "raised_on"], "msg": "Extra inputs are not permitted"}],
        }
        return httpx.Response(
            422, json=problem, headers={"Content-Type": "application/problem+json"}
        )

    with pytest.raises(CommandRefusedError) as refused:
        await service_of(handler, Pauses()).command("/v1/projects/p/risks", {}, key="k", if_match=1)

    assert calls == 1
    assert refused.value.status == 422
    assert str(refused.value) == (
        "POST /v1/projects/p/risks: 422 Request validation failed: One or more request fields "
        "are invalid; see `errors`. (body.raised_on: Extra inputs are not permitted)"
    )


async def test_unavailability_through_every_attempt_is_reported() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": "600"}, json={"title": "Unavailable"})

    pauses = Pauses()
    with pytest.raises(ServiceUnavailableError, match="ConnectError: refused"):
        await service_of(down, pauses, attempts=3).snapshot("p")
    assert pauses.waits == [0.5, 1.0]

    pauses = Pauses()
    with pytest.raises(CommandRefusedError, match="503 Unavailable"):
        await service_of(busy, pauses, attempts=3).codes()
    assert pauses.waits == [30.0, 30.0]  # Retry-After capped at max_wait


async def test_codes_pages_through_every_project_of_the_tenant() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["limit"] == "200"
        if "cursor" not in request.url.params:
            items = [{"code": "A", "project_id": "1"}, {"code": "B", "project_id": "2"}]
            return httpx.Response(200, json={"items": items, "next_cursor": "p2"})
        assert request.url.params["cursor"] == "p2"
        return httpx.Response(
            200, json={"items": [{"code": "C", "project_id": "3"}], "next_cursor": None}
        )

    assert await service_of(handler, Pauses()).codes() == {"A": "1", "B": "2", "C": "3"}


def test_retry_after_reads_seconds_and_http_dates() -> None:
    request = httpx.Request("GET", "http://svc")
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)

    def after(value: str) -> float | None:
        return retry_after(httpx.Response(503, headers={"Retry-After": value}, request=request))

    assert after("7") == 7.0
    waited = after(later)
    assert waited is not None
    assert 100 < waited <= 120
    assert after("soon") is None
    assert retry_after(httpx.Response(503, request=request)) is None
