"""One fault under load, start to finish: the driver runs (on every write service), the fault
is injected after a quarter of the commands were acknowledged, observed while it lasts, then
recovered from; the event stores and the read model are compared with every acknowledgement,
and the figures of the closing table are measured."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .resilience_ledger import (
    Tally,
    live_generation,
    read_model_tally,
    store_tally,
    until_caught_up,
)
from .resilience_load import Answer, Clients, LoadDriver, Mix
from .resilience_stack import FaultStack

PROGRAM_KINDS = frozenset({"program", "member", "funding"})
PORTFOLIO_KINDS = frozenset({"portfolio", "weights", "component"})
Step = Callable[[], Awaitable[None]]
Watch = Callable[[LoadDriver], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a scenario measured."""

    driver: LoadDriver
    during: list[Answer]
    """Every attempt sent while the fault lasted (injection until recovery returned)."""
    tallies: dict[str, Tally]
    recovered_in: float
    """Seconds from the start of the recovery until the read model held every acknowledgement."""

    def during_of(self, service: str) -> list[Answer]:
        """The attempts on one service while the fault lasted."""
        return [a for a in self.during if a.service == service]

    def _worst(self, count: Callable[[Tally], int]) -> int:
        """The larger of the event stores' and the read model's totals of `count` (each
        acknowledged command belongs to one store table and one read-model table)."""
        return max(
            sum(count(t) for name, t in self.tallies.items() if name.startswith(place))
            for place in ("store ", "read model ")
        )

    def row(self, fault: str) -> dict[str, Any]:
        """The closing table's row of this fault."""
        acks = self.driver.acks
        programs = sum(1 for a in acks if a.kind in PROGRAM_KINDS)
        portfolios = sum(1 for a in acks if a.kind in PORTFOLIO_KINDS)
        return {
            "fault": fault,
            "commands acknowledged": len(acks),
            "of which program/portfolio": f"{programs}/{portfolios}",
            "lost": self._worst(lambda t: t.missing),
            "double counted": self._worst(lambda t: t.doubled + t.extra),
            "5xx during the fault": sum(1 for a in self.during if (a.status or 0) >= 500),
            "connection errors during the fault": sum(1 for a in self.during if a.status is None),
            "retries replayed": sum(1 for a in acks if a.replayed),
            "time to recover (s)": round(self.recovered_in, 1),
        }


async def run_under_load(
    stack: FaultStack,
    clients: Clients,
    admin: httpx.AsyncClient,
    tenant: str,
    *,
    mix: Mix,
    inject: Step,
    while_down: Watch,
    recover: Step,
    catch_up_timeout: float = 120.0,
) -> Outcome:
    """Drive the units of `mix` through one fault; see the module's doc."""
    driver = LoadDriver(clients, mix)
    load = asyncio.create_task(driver.run())
    try:
        await driver.until_acked(driver.commands // 4)
        fault_started = time.monotonic()
        await inject()
        await while_down(driver)
        recovery_started = time.monotonic()
        await recover()
        fault_ended = time.monotonic()
        await asyncio.wait_for(asyncio.shield(load), timeout=180)
    finally:
        if not load.done():
            load.cancel()
    assert driver.refused == [], driver.refused[:5]
    assert len(driver.acks) == driver.commands
    await until_caught_up(stack.database_url, admin, tenant, driver.acks, timeout=catch_up_timeout)
    caught_up = time.monotonic()
    tallies = {
        **await store_tally(stack.database_url, tenant, driver.acks),
        **await read_model_tally(
            stack.database_url, await _live_schema(admin), tenant, driver.acks
        ),
    }
    return Outcome(
        driver=driver,
        during=driver.answers_between(fault_started, fault_ended),
        tallies=tallies,
        recovered_in=caught_up - recovery_started,
    )


async def _live_schema(admin: httpx.AsyncClient) -> str:
    return str((await live_generation(admin))["schema_name"])


def metric(body: str, name: str, **labels: str) -> float | None:
    """A sample of a Prometheus text exposition (labels matched as given, in any order)."""
    for line in body.splitlines():
        match = re.match(rf"^{re.escape(name)}(\{{[^}}]*\}})?\s+(\S+)$", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(2))
    return None


def metric_sum(body: str, name: str) -> float:
    """The sum of every sample of a metric (e.g. the lag over all partitions); 0 if none."""
    total = 0.0
    for line in body.splitlines():
        match = re.match(rf"^{re.escape(name)}(\{{[^}}]*\}})?\s+(\S+)$", line)
        if match:
            total += float(match.group(2))
    return total


async def until(
    check: Callable[[], Awaitable[bool]], *, timeout: float, what: str, every: float = 0.1
) -> float:
    """Poll `check` until it holds; the seconds it took. Fails after `timeout`."""
    started = time.monotonic()
    while True:
        try:
            if await check():
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(every)


def unaccepted(answers: list[Answer]) -> list[tuple[str, int | None]]:
    """The first few answers a healthy service would not give (for an assertion's message)."""
    return [(a.service, a.status) for a in answers if not a.accepted][:5]
