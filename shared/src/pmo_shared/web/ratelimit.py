"""Per-tenant rate limits on commands, so one tenant cannot starve the others.

Each tenant has a token bucket in each service process: it holds at most `burst` tokens, gains
`rate_per_second` tokens a second, and every command (a mutating method on an authenticated
route) takes one. An empty bucket refuses the command with a 429 before its body is read, and
says how long until a token is there. Reads are not limited.

The buckets live in the process: with N worker processes (`WEB_CONCURRENCY`) a tenant gets up to
N times the rate and the burst. That is a bound against one noisy tenant, not a quota; a quota
across processes would need a shared store on every command's path.

No library fits: `limits` offers fixed and sliding windows (not a token bucket) on wall-clock
time and is not pinned here. The arithmetic is exact (`Fraction`), so a bucket refilled for
exactly the time it lacked admits, and tests drive a fake monotonic clock instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from fractions import Fraction

from pmo_shared.web.problems import Problem

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_TRACKED_TENANTS = 10_000
"""Buckets kept per process; past it the least recently used goes (it comes back full)."""


class TokenBucket:
    """`burst` tokens at most, refilled at `rate_per_second`; starts full."""

    def __init__(self, *, rate_per_second: float, burst: int, now: float) -> None:
        if rate_per_second <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self._rate = Fraction(rate_per_second)
        self._burst = Fraction(burst)
        self._tokens = self._burst
        self._updated = Fraction(now)

    def take(self, *, now: float) -> Fraction:
        """Take one token: 0 if there was one, else the seconds until there is (none taken)."""
        at = Fraction(now)
        if at > self._updated:  # a clock that stands still (or is behind) refills nothing
            self._tokens = min(self._burst, self._tokens + (at - self._updated) * self._rate)
            self._updated = at
        if self._tokens >= 1:
            self._tokens -= 1
            return Fraction(0)
        return (1 - self._tokens) / self._rate


class CommandRateLimiter:
    """The buckets of one process, one per tenant."""

    def __init__(
        self,
        *,
        rate_per_second: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_tenants: int = MAX_TRACKED_TENANTS,
    ) -> None:
        TokenBucket(rate_per_second=rate_per_second, burst=burst, now=0.0)  # validates
        self.rate_per_second = rate_per_second
        self.burst = burst
        self._clock = clock
        self._max_tenants = max_tenants
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    @classmethod
    def configured(
        cls, *, rate_per_second: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> CommandRateLimiter | None:
        """The limiter the settings ask for; None when either number is 0 (no limit)."""
        if rate_per_second == 0 or burst == 0:
            return None
        return cls(rate_per_second=rate_per_second, burst=burst, clock=clock)

    def admit(self, tenant: str) -> None:
        """Count one command of `tenant`; a 429 problem with `Retry-After` when over its rate."""
        now = self._clock()
        bucket = self._buckets.get(tenant)
        if bucket is None:
            bucket = TokenBucket(rate_per_second=self.rate_per_second, burst=self.burst, now=now)
            self._buckets[tenant] = bucket
            if len(self._buckets) > self._max_tenants:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(tenant)
        wait = bucket.take(now=now)
        if wait > 0:
            raise self._refusal(tenant, wait)

    def _refusal(self, tenant: str, wait: Fraction) -> Problem:
        seconds = max(1, math.ceil(wait))
        return Problem(
            429,
            slug="rate-limited",
            title="Too Many Requests",
            detail=(
                f"Tenant {tenant} sent more than {self.rate_per_second:g} commands per second "
                f"(bursts of {self.burst}) to this service process; retry in {seconds} s."
            ),
            extra={
                "retry_after_seconds": seconds,
                "rate_per_second": self.rate_per_second,
                "burst": self.burst,
            },
            headers={"Retry-After": str(seconds)},
        )
