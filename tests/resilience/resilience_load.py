"""A bounded load driver over every write service: projects proposed and lessons recorded on
them (project-svc), programs proposed with some of those projects as members and a funding pool
(program-svc), portfolios created with objective weights and some large projects as components
(portfolio-svc). Each command carries an Idempotency-Key and is retried with the same key after
a connection failure or a 5xx (and, for a member or a component, while the service does not know
the project yet: its events are still on their way) until a deadline; every 2xx is recorded
with what it created or changed, every answer with its timing."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

REQUEST_TIMEOUT = 5.0
"""The client's request timeout: the issue's "within the request timeout" is this."""

RETRIED = frozenset({429, 500, 502, 503, 504})
MEMBERS = 2
"""Projects each program takes as members."""
COMPONENTS = 2
"""Large projects each portfolio takes as components."""
WEIGHTS = {"value": "0.6", "risk": "0.4"}
"""Every portfolio's objective weights: they sum to 1, so the service keeps them as sent."""


@dataclass(frozen=True, slots=True)
class Mix:
    """How many of each unit a run drives: a project unit is a proposal and `lessons` lessons,
    a program unit a proposal, `MEMBERS` members and a funding pool, a portfolio unit a
    creation, its weights and `COMPONENTS` components."""

    projects: int
    programs: int = 0
    portfolios: int = 0
    lessons: int = 2

    @property
    def commands(self) -> int:
        """How many commands the mix sends (each acknowledged once when it succeeds)."""
        return (
            self.projects * (1 + self.lessons)
            + self.programs * (2 + MEMBERS)
            + self.portfolios * (2 + COMPONENTS)
        )


CI_MIX = Mix(projects=88, programs=5, portfolios=4)
"""300 commands: 264 on projects, 20 on programs, 16 on portfolios."""


@dataclass(frozen=True, slots=True)
class Clients:
    """A pmo user's clients of the stack's write services."""

    projects: httpx.AsyncClient
    programs: httpx.AsyncClient
    portfolios: httpx.AsyncClient


@dataclass(frozen=True, slots=True)
class Ack:
    """A command that got a 2xx: what it created or changed and with which body.

    `kind` is project, lesson, program, member, funding, portfolio, weights or component;
    `created` the new project, lesson, program or portfolio (for member and component: the
    project taken; for funding and weights: the program or portfolio); `target` the program or
    portfolio a member, component, funding or weights command changed."""

    kind: str
    created: uuid.UUID
    project_id: uuid.UUID
    body: dict[str, Any]
    key: str
    replayed: bool
    target: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """One attempt: when it was sent (monotonic), how long it took, what came back (status
    None for a connection that failed or timed out), and which service answered."""

    sent: float
    elapsed: float
    status: int | None
    retry_after: str | None = None
    content_type: str | None = None
    problem: dict[str, Any] | None = None
    service: str = "project-svc"
    awaiting_events: bool = False
    """A 422 because the service has not got the project's events yet (retried)."""

    @property
    def accepted(self) -> bool:
        """A 2xx, or the 422 of a service still waiting for another's events: what a client
        gets from a healthy service."""
        return self.status is not None and (self.status < 300 or self.awaiting_events)


Transient = Callable[[httpx.Response], bool]


def _never(_response: httpx.Response) -> bool:
    return False


def _unknown_project(response: httpx.Response) -> bool:
    """program-svc's 422 for a project whose events have not reached it yet."""
    return response.status_code == 422 and "unknown project" in response.text


def _unknown_component(response: httpx.Response) -> bool:
    """portfolio-svc's 422 for a program or project whose events have not reached it yet."""
    return response.status_code == 422 and "unknown-component-reference" in response.text


@dataclass
class LoadDriver:
    """The units of `mix`, `concurrency` project units at a time; program and portfolio
    units alongside, each waiting for the projects it takes (spread over the run, so these
    commands are sent all along it)."""

    clients: Clients
    mix: Mix
    concurrency: int = 8
    command_deadline: float = 90.0
    acks: list[Ack] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    _progress: asyncio.Condition = field(default_factory=asyncio.Condition)
    _proposed: dict[int, asyncio.Future[uuid.UUID | None]] = field(default_factory=dict)

    @property
    def commands(self) -> int:
        """How many commands the run sends."""
        return self.mix.commands

    async def run(self) -> None:
        """Send every command; returns when each got its 2xx (or was given up or refused)."""
        members, large = _roles(self.mix)
        loop = asyncio.get_running_loop()
        self._proposed = {unit: loop.create_future() for unit in range(self.mix.projects)}
        queue: asyncio.Queue[int] = asyncio.Queue()
        for unit in range(self.mix.projects):
            queue.put_nowait(unit)

        async def worker() -> None:
            while not queue.empty():
                unit = queue.get_nowait()
                try:
                    await self._project_unit(unit, large=unit in large)
                finally:
                    future = self._proposed[unit]
                    if not future.done():
                        future.set_result(None)

        programs = [
            self._program_unit(n, members[n * MEMBERS : (n + 1) * MEMBERS])
            for n in range(self.mix.programs)
        ]
        portfolios = [
            self._portfolio_unit(n, large[n * COMPONENTS : (n + 1) * COMPONENTS])
            for n in range(self.mix.portfolios)
        ]
        await asyncio.gather(*(worker() for _ in range(self.concurrency)), *programs, *portfolios)

    async def until_acked(self, count: int, *, timeout: float = 120.0) -> None:
        """Return once `count` commands were acknowledged."""
        async with self._progress:
            await asyncio.wait_for(
                self._progress.wait_for(lambda: len(self.acks) >= count), timeout
            )

    async def _project_unit(self, unit: int, *, large: bool) -> None:
        tag = uuid.uuid4().hex[:10]
        body = {
            "code": f"RES-{tag}",
            "name": f"Resilience {unit}",
            "manager": "pm-ann",
            "sponsor": "cio-bea",
            "methodology": "agile",
            "currency": "EUR",
            "flagged_large": large,
        }
        client = self.clients.projects
        project = await self._command(
            client, "project", "/v1/projects", body, created_of=_id("project_id")
        )
        self._proposed[unit].set_result(project)
        if project is None:
            return
        for n in range(self.mix.lessons):
            lesson = {
                "category": "resilience",
                "what_happened": f"unit {unit} lesson {n} {tag}",
                "recommendation": "retry with the same key",
            }
            path = f"/v1/projects/{project}/lessons"
            await self._command(
                client, "lesson", path, lesson, created_of=_id("id"), project=project
            )

    async def _project(self, unit: int, user: str) -> uuid.UUID | None:
        """The project of a project unit, once proposed (None, and refused, if it was not)."""
        project = await self._proposed[unit]
        if project is None:
            self.refused.append(f"{user}: project unit {unit} was not proposed")
        return project

    async def _program_unit(self, n: int, units: list[int]) -> None:
        client = self.clients.programs
        first = await self._project(units[0], f"program {n}")
        if first is None:
            return
        tag = uuid.uuid4().hex[:10]
        body = {
            "code": f"RESP-{tag}",
            "name": f"Resilience program {n}",
            "area": "resilience",
            "manager": "pgm-pia",
            "sponsor": "cio-bea",
            "currency": "EUR",
        }
        program = await self._command(
            client, "program", "/v1/programs", body, created_of=_id("program_id")
        )
        if program is None:
            return
        for position, unit in enumerate(units):
            project = first if position == 0 else await self._project(unit, f"program {n}")
            if project is None:
                return
            done = await self._command(
                client,
                "member",
                f"/v1/programs/{program}/members",
                {"project_id": str(project)},
                created_of=_constant(project),
                target=program,
                transient=_unknown_project,
            )
            if done is None:
                return
        pool = {"amount": f"{100_000 + n}.00", "reason": "resilience"}
        await self._command(
            client,
            "funding",
            f"/v1/programs/{program}/funding/set",
            pool,
            created_of=_constant(program),
            target=program,
        )

    async def _portfolio_unit(self, n: int, units: list[int]) -> None:
        client = self.clients.portfolios
        first = await self._project(units[0], f"portfolio {n}")
        if first is None:
            return
        tag = uuid.uuid4().hex[:10]
        body = {
            "code": f"RESF-{tag}",
            "name": f"Resilience portfolio {n}",
            "manager": "pfm-pat",
            "currency": "EUR",
        }
        portfolio = await self._command(
            client, "portfolio", "/v1/portfolios", body, created_of=_id("portfolio_id")
        )
        if portfolio is None:
            return
        weighted = await self._command(
            client,
            "weights",
            f"/v1/portfolios/{portfolio}/weights",
            {"weights": WEIGHTS},
            created_of=_constant(portfolio),
            target=portfolio,
            method="PUT",
        )
        if weighted is None:
            return
        for position, unit in enumerate(units):
            project = first if position == 0 else await self._project(unit, f"portfolio {n}")
            if project is None:
                return
            component = {
                "component_id": str(project),
                "kind": "project",
                "estimate": f"{2_000_000 + n}.00",
                "risk_score": "0.2",
            }
            done = await self._command(
                client,
                "component",
                f"/v1/portfolios/{portfolio}/components",
                component,
                created_of=_constant(project),
                target=portfolio,
                transient=_unknown_component,
            )
            if done is None:
                return

    async def _command(
        self,
        client: httpx.AsyncClient,
        kind: str,
        path: str,
        body: dict[str, Any],
        *,
        created_of: Callable[[dict[str, Any]], uuid.UUID],
        project: uuid.UUID | None = None,
        target: uuid.UUID | None = None,
        method: str = "POST",
        transient: Transient = _never,
    ) -> uuid.UUID | None:
        key = str(uuid.uuid4())
        deadline = time.monotonic() + self.command_deadline
        while time.monotonic() < deadline:
            response = await self._attempt(client, method, path, body, key, transient)
            if response is None or response.status_code in RETRIED or transient(response):
                await asyncio.sleep(_pause(response))  # a client's back-off, not a wait
                continue
            if not response.is_success:
                self.refused.append(f"{path}: {response.status_code} {response.text[:300]}")
                return None
            created = created_of(response.json())
            ack = Ack(
                kind=kind,
                created=created,
                project_id=project or created,
                body=body,
                key=key,
                replayed=response.headers.get("Idempotent-Replayed") == "true",
                target=target,
            )
            async with self._progress:
                self.acks.append(ack)
                self._progress.notify_all()
            return created
        self.refused.append(f"{path}: no 2xx within {self.command_deadline}s")
        return None

    async def _attempt(
        self,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        body: dict[str, Any],
        key: str,
        transient: Transient,
    ) -> httpx.Response | None:
        service = _service_of(path)
        sent = time.monotonic()
        try:
            response = await client.request(
                method, path, json=body, headers={"Idempotency-Key": key}, timeout=REQUEST_TIMEOUT
            )
        except httpx.TransportError:
            self.answers.append(Answer(sent, time.monotonic() - sent, None, service=service))
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
                service=service,
                awaiting_events=transient(response),
            )
        )
        return response

    def answers_between(self, start: float, end: float) -> list[Answer]:
        """The attempts sent in [start, end) (monotonic seconds)."""
        return [a for a in self.answers if start <= a.sent < end]


def _id(name: str) -> Callable[[dict[str, Any]], uuid.UUID]:
    def created(json: dict[str, Any]) -> uuid.UUID:
        return uuid.UUID(json[name])

    return created


def _constant(known: uuid.UUID) -> Callable[[dict[str, Any]], uuid.UUID]:
    """For a command on a known aggregate or project: the id it changed or took."""

    def created(_json: dict[str, Any]) -> uuid.UUID:
        return known

    return created


def _service_of(path: str) -> str:
    if path.startswith("/v1/programs"):
        return "program-svc"
    if path.startswith("/v1/portfolios"):
        return "portfolio-svc"
    return "project-svc"


def _roles(mix: Mix) -> tuple[list[int], list[int]]:
    """The project units programs take as members and those (proposed large) portfolios take
    as components: disjoint, each list spread evenly over the run."""
    wanted = (mix.programs * MEMBERS, mix.portfolios * COMPONENTS)
    if sum(wanted) > mix.projects:
        raise ValueError(f"{mix}: more members and components than projects")
    taken: set[int] = set()
    picked: list[list[int]] = []
    for phase, count in enumerate(wanted):
        units: list[int] = []
        for j in range(count):
            unit = phase * mix.projects // (2 * max(count, 1)) + j * mix.projects // count
            unit %= mix.projects
            while unit in taken:
                unit = (unit + 1) % mix.projects
            taken.add(unit)
            units.append(unit)
        picked.append(units)
    return picked[0], picked[1]


def expected_amount(ack: Ack) -> Decimal:
    """The amount a funding acknowledgement set the pool to."""
    return Decimal(ack.body["amount"])


def _pause(response: httpx.Response | None) -> float:
    """Retry-After when given, capped so the test stays short; else a short pause."""
    if response is not None and (after := response.headers.get("Retry-After", "")).isdigit():
        return min(float(after), 1.0)
    return 0.1
