"""`/metrics` of a service with several worker processes (project-svc runs 2 in the test stack)
reports the counters of all of them, whichever worker answers the scrape."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pmo_shared.testing import required_env

pytestmark = pytest.mark.integration

# A method nobody else's test sends, so the counter moves only with this test's requests.
PROBE_METHOD = "PROPFIND"
PROBES = 40
SCRAPES = 6


def requests_counted(metrics_text: str) -> float:
    """`pmo_http_requests_total` of the probe requests in one scrape."""
    total = 0.0
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if (
                sample.name == "pmo_http_requests_total"
                and sample.labels.get("method") == PROBE_METHOD
                and sample.labels.get("route") == "/healthz"
            ):
                total += sample.value
    return total


async def fresh_connection_request(base_url: str, method: str, path: str) -> httpx.Response:
    """One request on a connection of its own, so the kernel may hand it to any worker."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        return await client.request(method, path)


async def scrape(base_url: str) -> float:
    response = await fresh_connection_request(base_url, "GET", "/metrics")
    assert response.status_code == 200
    return requests_counted(response.text)


async def scrape_until(base_url: str, expected: float, *, timeout: float = 15.0) -> float:
    """Scrape until a scrape shows `expected` (a worker counts a request just after answering
    it), at most `timeout` seconds; the last value seen."""
    deadline = asyncio.get_running_loop().time() + timeout
    value = await scrape(base_url)
    while value != expected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        value = await scrape(base_url)
    return value


async def test_every_scrape_counts_the_requests_of_every_worker() -> None:
    base_url = required_env("PROJECT_URL")
    before = await scrape(base_url)

    answers = await asyncio.gather(
        *(fresh_connection_request(base_url, PROBE_METHOD, "/healthz") for _ in range(PROBES))
    )
    first = await scrape_until(base_url, before + PROBES)
    scrapes = [await scrape(base_url) for _ in range(SCRAPES)]

    assert {answer.status_code for answer in answers} == {405}
    assert [first, *scrapes] == [before + PROBES] * (SCRAPES + 1)
