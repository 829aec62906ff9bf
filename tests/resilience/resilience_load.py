"""A bounded load driver: projects proposed and lessons recorded on them, each command with an
Idempotency-Key, retried with the same key after a connection failure or a 5xx until a
deadline; every 2xx is recorded with what it created, every answer with its timing."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

REQUEST_TIMEOUT = 5.0
"""The client's request timeout: the issue's "within the request timeout" is this."""

RETRIED = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Ack:
    """A command that got a 2xx: what it created and with which body."""

    kind: str  # "project" or "lesson"
    created: uuid.UUID
    project_id: uuid.UUID
    body: dict[str, Any]
    key: str
    replayed: bool


@dataclass(frozen=True, slots=True)
class Answer:
    """One attempt: when it was sent (monotonic), how long it took, what came back (status
    None for a connection that failed or timed out)."""

    sent: float
    elapsed: float
    status: int | None
    retry_after: str | None = None
    content_type: str | None = None
    problem: dict[str, Any] | None = None


@dataclass
class LoadDriver:
    """`units` projects, each proposed then given `lessons` lessons, `concurrency` at a time."""

    client: httpx.AsyncClient
    units: int
    concurrency: int = 8
    lessons: int = 2
    command_deadline: float = 90.0
    acks: list[Ack] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    _progress: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def commands(self) -> int:
        """How many commands the run sends (each acknowledged once when it succeeds)."""
        return self.units * (1 + self.lessons)

    async def run(self) -> None:
        """Send every command; returns when each got its 2xx (or was given up or refused)."""
        queue: asyncio.Queue[int] = asyncio.Queue()
        for unit in range(self.units):
            queue.put_nowait(unit)

        async def worker() -> None:
            while not queue.empty():
                await self._unit(queue.get_nowait())

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))

    async def until_acked(self, count: int, *, timeout: float = 120.0) -> None:
        """Return once `count` commands were acknowledged."""
        async with self._progress:
            await asyncio.wait_for(
                self._progress.wait_for(lambda: len(self.acks) >= count), timeout
            )

    async def _unit(self, unit: int) -> None:
        tag = uuid.uuid4().hex[:10]
        body = {
            "code": f"RES-{tag}",
            "name": f"Resilience {unit}",
            "manager": "pm-ann",
            "sponsor": "cio-bea",
            "methodology": "agile",
            "currency": "EUR",
        }
        project = await self._command("project", "/v1/projects", body, key_of="project_id")
        if project is None:
            return
        for n in range(self.lessons):
            lesson = {
                "category": "resilience",
                "what_happened": f"unit {unit} lesson {n} {tag}",
                "recommendation": "retry with the same key",
            }
            path = f"/v1/projects/{project}/lessons"
            await self._command("lesson", path, lesson, key_of="id", project=project)

    async def _command(
        self,
        kind: str,
        path: str,
        body: dict[str, Any],
        *,
        key_of: str,
        project: uuid.UUID | None = None,
    ) -> uuid.UUID | None:
        key = str(uuid.uuid4())
        deadline = time.monotonic() + self.command_deadline
        while time.monotonic() < deadline:
            response = await self._attempt(path, body, key)
            if response is None or response.status_code in RETRIED:
                await asyncio.sleep(_pause(response))  # a client's back-off, not a wait
                continue
            if not response.is_success:
                self.refused.append(f"{path}: {response.status_code} {response.text[:300]}")
                return None
            created = uuid.UUID(response.json()[key_of])
            ack = Ack(
                kind=kind,
                created=created,
                project_id=project or created,
                body=body,
                key=key,
                replayed=response.headers.get("Idempotent-Replayed") == "true",
            )
            async with self._progress:
                self.acks.append(ack)
                self._progress.notify_all()
            return created
        self.refused.append(f"{path}: no 2xx within {self.command_deadline}s")
        return None

    async def _attempt(self, path: str, body: dict[str, Any], key: str) -> httpx.Response | None:
        sent = time.monotonic()
        try:
            response = await self.client.post(
                path, json=body, headers={"Idempotency-Key": key}, timeout=REQUEST_TIMEOUT
            )
        except httpx.TransportError:
            self.answers.append(Answer(sent, time.monotonic() - sent, None))
            return None
        problem = None
        content_type = response.headers.get("content-type")
        if not response.is_success and content_type == "application/problem+json":
            problem = response.json()
        self.answers.append(
            Answer(
                sent,
                time.monotonic() - sent,
                response.status_code,
                retry_after=response.headers.get("Retry-After"),
                content_type=content_type,
                problem=problem,
            )
        )
        return response

    def answers_between(self, start: float, end: float) -> list[Answer]:
        """The attempts sent in [start, end) (monotonic seconds)."""
        return [a for a in self.answers if start <= a.sent < end]


def _pause(response: httpx.Response | None) -> float:
    """Retry-After when given, capped so the test stays short; else a short pause."""
    if response is not None and (after := response.headers.get("Retry-After", "")).isdigit():
        return min(float(after), 1.0)
    return 0.1
