"""Background tasks (the outbox relay, consumers) and the asyncio helpers their loops share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

BackgroundTask = Callable[[asyncio.Event], Awaitable[None]]
"""A long-running job (outbox relay, consumer) that runs until the event is set."""


async def wait_any(*events: asyncio.Event, timeout: float | None = None) -> None:
    """Return when any of `events` is set, or after `timeout` seconds."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
