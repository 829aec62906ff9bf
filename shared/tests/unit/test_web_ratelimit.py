"""Per-tenant command rate limits: the token bucket's arithmetic on a fake monotonic clock, and
the gate's 429 for commands of a tenant over its rate while other tenants and reads go on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from fractions import Fraction

import httpx
import pytest
from fastapi import APIRouter

from pmo_shared.database.engine import create_engine
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.app import create_service_app
from pmo_shared.web.auth import CurrentPrincipal, issue_dev_token
from pmo_shared.web.problems import PROBLEM_CONTENT_TYPE, Problem
from pmo_shared.web.ratelimit import CommandRateLimiter, TokenBucket


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_admits_its_burst_then_says_when_the_next_token_comes() -> None:
    bucket = TokenBucket(rate_per_second=2, burst=3, now=10.0)

    assert [bucket.take(now=10.0) for _ in range(3)] == [0, 0, 0]
    assert bucket.take(now=10.0) == Fraction(1, 2)
    assert bucket.take(now=10.25) == Fraction(1, 4)  # half a token back, half still missing
    assert bucket.take(now=10.5) == 0  # exactly one token: admitted, no rounding at the edge
    assert bucket.take(now=10.5) == Fraction(1, 2)


def test_a_bucket_refills_at_its_rate_up_to_its_burst_only() -> None:
    bucket = TokenBucket(rate_per_second=3, burst=2, now=0.0)
    for _ in range(2):
        bucket.take(now=0.0)

    admitted_after_an_hour = [bucket.take(now=3600.0) for _ in range(3)]

    assert admitted_after_an_hour == [0, 0, Fraction(1, 3)]


def test_thirds_of_a_second_are_exact() -> None:
    bucket = TokenBucket(rate_per_second=3, burst=1, now=0.0)
    assert bucket.take(now=0.0) == 0
    # 1/3 in floats is a little under a third: exactly that little is still missing
    third = 1 / 3
    assert bucket.take(now=third) == (1 - Fraction(third) * 3) / 3
    assert bucket.take(now=1.0) == 0  # refilled from 1/3 s on, not from the refusal


def test_a_clock_that_goes_back_refills_nothing() -> None:
    bucket = TokenBucket(rate_per_second=1, burst=1, now=5.0)
    bucket.take(now=5.0)

    assert bucket.take(now=4.0) == 1
    assert bucket.take(now=5.5) == Fraction(1, 2)


@pytest.mark.parametrize(("rate", "burst"), [(0, 5), (-1, 5), (1, 0)])
def test_a_bucket_needs_a_positive_rate_and_burst(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="positive rate"):
        TokenBucket(rate_per_second=rate, burst=burst, now=0.0)


@pytest.mark.parametrize(("rate", "burst"), [(0, 10), (10, 0), (0, 0)])
def test_zero_disables_the_limit(rate: float, burst: int) -> None:
    assert CommandRateLimiter.configured(rate_per_second=rate, burst=burst) is None


def test_each_tenant_has_its_own_bucket() -> None:
    clock = FakeClock()
    limiter = CommandRateLimiter(rate_per_second=1, burst=2, clock=clock)
    limiter.admit("acme")
    limiter.admit("acme")

    with pytest.raises(Problem) as refused:
        limiter.admit("acme")
    limiter.admit("globex")
    limiter.admit("globex")

    assert refused.value.status == 429
    assert refused.value.headers == {"Retry-After": "1"}
    clock.now += 1
    limiter.admit("acme")


def test_retry_after_is_the_wait_rounded_up_to_whole_seconds() -> None:
    clock = FakeClock()
    limiter = CommandRateLimiter(rate_per_second=0.4, burst=1, clock=clock)  # a token per 2.5 s
    limiter.admit("acme")
    clock.now += 0.5

    with pytest.raises(Problem) as refused:
        limiter.admit("acme")

    assert refused.value.headers["Retry-After"] == "2"  # 2.0 s (to the float) is 2, not 3
    assert refused.value.extra["retry_after_seconds"] == 2
    assert refused.value.detail == (
        "Tenant acme sent more than 0.4 commands per second (bursts of 1) to this service "
        "process; retry in 2 s."
    )
    clock.now += 0.01
    with pytest.raises(Problem) as again:
        limiter.admit("acme")
    assert again.value.headers["Retry-After"] == "2"


def test_the_least_recently_seen_tenant_is_forgotten_past_the_cap() -> None:
    clock = FakeClock()
    limiter = CommandRateLimiter(rate_per_second=1, burst=1, clock=clock, max_tenants=2)
    limiter.admit("a")
    limiter.admit("b")
    with pytest.raises(Problem):
        limiter.admit("a")  # "a" is now the most recently seen
    limiter.admit("c")  # "b" goes

    with pytest.raises(Problem):
        limiter.admit("a")
    limiter.admit("b")  # a new, full bucket


def things_router() -> APIRouter:
    router = APIRouter(prefix="/v1/things")

    @router.post("", status_code=201)
    async def create_thing(principal: CurrentPrincipal) -> dict[str, str]:
        """Make a thing (nothing is stored)."""
        return {"tenant": principal.tenant}

    @router.get("")
    async def list_things(principal: CurrentPrincipal) -> list[str]:
        """No things."""
        return []

    return router


def bearer(settings: ServiceSettings, tenant: str) -> dict[str, str]:
    assert settings.jwt_secret is not None
    token = issue_dev_token(
        settings.jwt_secret.get_secret_value(), sub="u-1", tenant=tenant, roles=["pmo"]
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def limited(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    # One token per 1000 s: a refused command's Retry-After cannot be reached by the test.
    tight = settings.model_copy(update={"command_rate_per_second": 0.001, "command_burst": 2})
    app = create_service_app(
        tight, title="unit", version="0", engine=create_engine(tight), routers=[things_router()]
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client


async def test_a_tenant_over_its_rate_gets_429_while_another_is_served(
    limited: httpx.AsyncClient, settings: ServiceSettings
) -> None:
    acme, globex = bearer(settings, "acme"), bearer(settings, "globex")
    first = [(await limited.post("/v1/things", headers=acme)).status_code for _ in range(2)]

    refused = await limited.post("/v1/things", headers=acme)
    other = await limited.post("/v1/things", headers=globex)
    reads = [(await limited.get("/v1/things", headers=acme)).status_code for _ in range(5)]

    assert first == [201, 201]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert refused.headers["retry-after"] == "1000"
    body = refused.json()
    assert body["type"] == "https://pmo.example/problems/rate-limited"
    assert body["title"] == "Too Many Requests"
    assert body["retry_after_seconds"] == 1000
    assert body["detail"].startswith("Tenant acme sent more than 0.001 commands per second")
    assert other.status_code == 201
    assert reads == [200] * 5


async def test_an_unauthenticated_command_is_a_401_and_takes_no_token(
    limited: httpx.AsyncClient, settings: ServiceSettings
) -> None:
    anonymous = [(await limited.post("/v1/things")).status_code for _ in range(3)]
    admitted = [
        (await limited.post("/v1/things", headers=bearer(settings, "acme"))).status_code
        for _ in range(2)
    ]

    assert anonymous == [401] * 3
    assert admitted == [201, 201]


def test_the_default_limits_are_generous(settings: ServiceSettings) -> None:
    assert settings.command_rate_per_second >= 1000
    assert settings.command_burst >= 2000


async def test_commands_document_429_and_reads_do_not(limited: httpx.AsyncClient) -> None:
    paths = (await limited.get("/openapi.json")).json()["paths"]

    assert "429" in paths["/v1/things"]["post"]["responses"]
    assert "429" not in paths["/v1/things"]["get"]["responses"]
    assert "503" in paths["/v1/things"]["get"]["responses"]
