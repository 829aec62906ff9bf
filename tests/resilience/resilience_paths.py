"""Network faults through Toxiproxy on the write services' way to PostgreSQL and on every
service's way to Kafka, one after another within one load run (`run_under_load`): 200 ms of
added latency, a bandwidth limit, connections reset, and a partition. What each path's client
sees is measured here; the CI tests (`test_resilience_network_paths`) and the soak ones
(`test_resilience_soak`) differ only in how long each fault holds and how much load runs.

A partition is Toxiproxy's `timeout` toxic both ways: nothing passes, and each connection is
closed after `PARTITION_CLOSE_MS` of silence (what a firewall's dropped packets and the peers'
keepalives make of a partition, faster). Without the close (a black hole that never ends a
connection) a command waits for asyncpg's 5 s connect timeout and answers its 503 at ~5.05 s,
just past the client's 5 s: the kernel's timeouts do not leave room inside the request timeout
(see the closing report of issue 14)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from .resilience_load import REQUEST_TIMEOUT, Answer, Clients, LoadDriver, Mix
from .resilience_scenario import Outcome, metric, metric_sum, run_under_load, until
from .resilience_stack import KAFKA_PROXY, WRITERS_DB_PROXY, FaultStack

LATENCY_MS = 200
BANDWIDTH_KB_S = 32
"""The bandwidth toxic's rate (KB/s) on the server-to-client direction."""
PARTITION_CLOSE_MS = 1000


@dataclass(frozen=True, slots=True)
class Durations:
    """How long each fault of a run holds (seconds)."""

    bandwidth: float
    reset: float
    partition: float


CI = Durations(bandwidth=2.0, reset=2.0, partition=5.0)
SOAK = Durations(bandwidth=10.0, reset=10.0, partition=10.0)


@dataclass
class Observed:
    """What the polls saw while the faults lasted, and when each fault began and ended."""

    windows: dict[str, tuple[float, float]] = field(default_factory=dict)
    readyz: dict[str, set[int]] = field(default_factory=dict)
    backlog_before: float = 0.0
    backlog_during: list[float] = field(default_factory=list)
    lag_during: list[float] = field(default_factory=list)
    ready_again_in: float = 0.0

    def during(self, outcome: Outcome, fault: str) -> list[Answer]:
        """The attempts sent while one fault held."""
        start, end = self.windows[fault]
        return outcome.driver.answers_between(start, end)


async def _get(url: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT) as client:
        return await client.get(path)


async def _readyz(url: str) -> int:
    return (await _get(url, "/readyz")).status_code


async def backlog(url: str) -> float:
    """A write service's `pmo_outbox_backlog` (0 when it has not measured yet)."""
    return metric((await _get(url, "/metrics")).text, "pmo_outbox_backlog") or 0.0


async def consumer_lag(url: str) -> float:
    """A service's `pmo_consumer_lag`, summed over its consumers' partitions."""
    return metric_sum((await _get(url, "/metrics")).text, "pmo_consumer_lag")


def _partition(stack: FaultStack, proxy: str) -> None:
    for stream in ("upstream", "downstream"):
        stack.toxiproxy.add(
            proxy, f"cut-{stream}", "timeout", stream=stream, timeout=PARTITION_CLOSE_MS
        )


def _lift_partition(stack: FaultStack, proxy: str) -> None:
    for stream in ("upstream", "downstream"):
        stack.toxiproxy.remove(proxy, f"cut-{stream}")


Poll = Callable[[], Awaitable[None]]


async def _hold(seconds: float, what: str, poll: Poll | None = None) -> None:
    """Keep a fault on for `seconds`, running `poll` (one observation) all along."""
    started = time.monotonic()

    async def held() -> bool:
        if poll is not None:
            await poll()
        return time.monotonic() - started >= seconds

    await until(held, timeout=seconds + 15, what=what)


async def _window(observed: Observed, name: str, run: Callable[[], Awaitable[None]]) -> None:
    started = time.monotonic()
    await run()
    observed.windows[name] = (started, time.monotonic())


async def write_database_faults(
    stack: FaultStack,
    clients: Clients,
    admin: httpx.AsyncClient,
    tenant: str,
    *,
    mix: Mix,
    durations: Durations,
    catch_up_timeout: float = 120.0,
) -> tuple[Outcome, Observed]:
    """Latency (until 3/8 of the commands were acknowledged), a bandwidth limit, connections
    reset, then a partition (held until /readyz said 503, and for `durations.partition` at
    least), between the write services and PostgreSQL; recovery waits for /readyz 200."""
    toxiproxy = stack.toxiproxy
    proxy = WRITERS_DB_PROXY
    observed = Observed()
    project_url = stack.project_url

    def readiness(fault: str) -> Poll:
        async def poll() -> None:
            with contextlib.suppress(httpx.TransportError):  # a poll that failed saw nothing
                observed.readyz.setdefault(fault, set()).add(await _readyz(project_url))

        return poll

    async def inject() -> None:
        await asyncio.to_thread(toxiproxy.add, proxy, "slow", "latency", latency=LATENCY_MS)

    async def while_down(driver: LoadDriver) -> None:
        await _window(observed, "latency", lambda: driver.until_acked(driver.commands * 3 // 8))
        await asyncio.to_thread(toxiproxy.remove, proxy, "slow")

        async def narrow() -> None:
            await asyncio.to_thread(
                toxiproxy.add, proxy, "narrow", "bandwidth", rate=BANDWIDTH_KB_S
            )
            await _hold(durations.bandwidth, "the bandwidth limit held")
            await asyncio.to_thread(toxiproxy.remove, proxy, "narrow")

        await _window(observed, "bandwidth", narrow)

        async def resets() -> None:
            await asyncio.to_thread(toxiproxy.add, proxy, "reset", "reset_peer", timeout=0)
            await _hold(durations.reset, "connections reset", readiness("reset"))
            await asyncio.to_thread(toxiproxy.remove, proxy, "reset")

        await _window(observed, "reset", resets)

        async def partition() -> None:
            await asyncio.to_thread(_partition, stack, proxy)
            poll = readiness("partition")
            await _hold(durations.partition, "the partition held", poll)

            async def unready() -> bool:
                await poll()
                return 503 in observed.readyz["partition"]

            await until(unready, timeout=15, what="/readyz 503 during the partition")

        await _window(observed, "partition", partition)

    async def recover() -> None:
        await asyncio.to_thread(toxiproxy.reset)

        async def ready() -> bool:
            return await _readyz(project_url) == 200

        observed.ready_again_in = await until(
            ready, timeout=60, what="/readyz back to 200 by itself"
        )

    outcome = await run_under_load(
        stack,
        clients,
        admin,
        tenant,
        mix=mix,
        inject=inject,
        while_down=while_down,
        recover=recover,
        catch_up_timeout=catch_up_timeout,
    )
    return outcome, observed


async def kafka_faults(
    stack: FaultStack,
    clients: Clients,
    admin: httpx.AsyncClient,
    tenant: str,
    *,
    mix: Mix,
    durations: Durations,
    catch_up_timeout: float = 120.0,
) -> tuple[Outcome, Observed]:
    """A partition between every service and Kafka first (held until project-svc's outbox
    backlog rose, and for `durations.partition` at least: the commands keep coming, their
    events wait in the outbox), then 200 ms of latency (held until reporting's consumer lag
    showed: the relays publish what the partition held back), a bandwidth limit, and
    connections reset."""
    toxiproxy = stack.toxiproxy
    proxy = KAFKA_PROXY
    observed = Observed()
    project_url, reporting_url = stack.project_url, stack.reporting_url

    async def inject() -> None:
        observed.backlog_before = await backlog(project_url)
        await asyncio.to_thread(_partition, stack, proxy)

    async def while_down(driver: LoadDriver) -> None:
        async def backlog_poll() -> None:
            with contextlib.suppress(httpx.TransportError):  # a poll that failed saw nothing
                observed.backlog_during.append(await backlog(project_url))
                observed.readyz.setdefault("partition", set()).add(await _readyz(project_url))

        async def partition() -> None:
            await _hold(durations.partition, "the partition held", backlog_poll)

            async def rose() -> bool:
                await backlog_poll()
                return max(observed.backlog_during) > observed.backlog_before

            await until(rose, timeout=30, what="the outbox backlog rising in /metrics")

        # The partition began in `inject`; its window is this hold's (the driver's answers
        # from injection on are the scenario's `during`).
        await _window(observed, "partition", partition)
        await asyncio.to_thread(_lift_partition, stack, proxy)

        async def slow() -> None:
            await asyncio.to_thread(toxiproxy.add, proxy, "slow", "latency", latency=LATENCY_MS)

            async def lag_shows() -> bool:
                if (lag := await consumer_lag(reporting_url)) > 0:
                    observed.lag_during.append(lag)
                return bool(observed.lag_during)

            await until(lag_shows, timeout=30, what="the consumer lag in /metrics")
            await asyncio.to_thread(toxiproxy.remove, proxy, "slow")

        await _window(observed, "latency", slow)

        async def narrow() -> None:
            await asyncio.to_thread(
                toxiproxy.add, proxy, "narrow", "bandwidth", rate=BANDWIDTH_KB_S
            )
            await _hold(durations.bandwidth, "the bandwidth limit held")
            await asyncio.to_thread(toxiproxy.remove, proxy, "narrow")

        await _window(observed, "bandwidth", narrow)

        async def resets() -> None:
            await asyncio.to_thread(toxiproxy.add, proxy, "reset", "reset_peer", timeout=0)
            await _hold(durations.reset, "connections reset")

        await _window(observed, "reset", resets)

    async def recover() -> None:
        await asyncio.to_thread(toxiproxy.reset)

    outcome = await run_under_load(
        stack,
        clients,
        admin,
        tenant,
        mix=mix,
        inject=inject,
        while_down=while_down,
        recover=recover,
        catch_up_timeout=catch_up_timeout,
    )
    return outcome, observed


async def drained(stack: FaultStack, *, timeout: float = 60.0) -> None:
    """Every write service's outbox backlog and reporting's consumer lag back to 0."""
    urls = (stack.project_url, stack.program_url, stack.portfolio_url)

    async def empty() -> bool:
        backlogs = [await backlog(url) for url in urls]
        return not any(backlogs) and await consumer_lag(stack.reporting_url) == 0

    await until(empty, timeout=timeout, what="outbox backlogs and consumer lag back to 0")


def bad_answers(answers: list[Answer]) -> list[tuple[str, int | None, float]]:
    """The answers of a write service while its database path was faulty that are neither
    accepted nor a 503 problem with Retry-After within the request timeout (first few)."""
    return [
        (a.service, a.status, round(a.elapsed, 2))
        for a in answers
        if not a.accepted and not _unavailable(a)
    ][:5]


def _unavailable(answer: Answer) -> bool:
    return (
        answer.status == 503
        and answer.content_type == "application/problem+json"
        and bool(answer.retry_after)
        and answer.elapsed < REQUEST_TIMEOUT
    )
