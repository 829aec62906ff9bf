"""project-svc over HTTP, as `pmoctl import` uses it: find projects by code, read a project's
state, send a command. Only the public API: never a database.

Every request has a timeout; a connection that fails or drops, and a 429, 502, 503 or 504, is
retried (after `Retry-After` when the answer gives one, else after a growing pause), a bounded
number of times. A command is retried with the same Idempotency-Key, so a retry of one whose
answer was lost takes effect once. A refusal (any other 4xx or 5xx) is not retried: it is
raised as `CommandRefusedError` with the service's application/problem+json.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final

import httpx

from pmo_shared.cli.snapshot import Snapshot

RETRIED_STATUSES: Final = frozenset({429, 502, 503, 504})
PAGE_SIZE: Final = 200  # the most `GET /v1/projects` gives at once
Sleep = Callable[[float], Awaitable[None]]


class CommandRefusedError(Exception):
    """The service refused a request: its status and problem+json (or text) body."""

    def __init__(self, what: str, status: int, problem: Mapping[str, Any]) -> None:
        self.what, self.status, self.problem = what, status, problem
        super().__init__(f"{what}: {describe_problem(status, problem)}")


class ServiceUnavailableError(Exception):
    """The service could not be reached or stayed unavailable through every retry."""


def describe_problem(status: int, problem: Mapping[str, Any]) -> str:
    """One line of a problem+json: status, title, detail and the first validation errors."""
    title = problem.get("title") or ""
    text = f"{status} {title}".strip()
    if problem.get("detail"):
        text += f": {problem['detail']}"
    errors = problem.get("errors")
    if isinstance(errors, list) and errors:
        text += " (" + "; ".join(_error(e) for e in errors[:3]) + ")"
    return text


def _error(error: Any) -> str:
    if not isinstance(error, Mapping):
        return str(error)
    where = ".".join(str(part) for part in error.get("loc", []))
    return f"{where}: {error.get('msg', '')}"


@dataclass(frozen=True, slots=True)
class Retries:
    """How often and how long to retry: `attempts` in all, waits capped at `max_wait` s."""

    attempts: int = 5
    max_wait: float = 30.0
    first_wait: float = 0.5

    def wait(self, attempt: int, response: httpx.Response | None) -> float:
        """The pause before the next attempt: the answer's Retry-After, else doubling."""
        after = retry_after(response) if response is not None else None
        if after is None:
            after = self.first_wait * 2 ** (attempt - 1)
        return max(0.0, min(after, self.max_wait))


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After of an answer in seconds (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds()


class ProjectService:
    """The calls of an import, with the proposer's and the approver's tokens."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token: str,
        approver_token: str | None = None,
        retries: Retries = Retries(),
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._http, self._token, self._approver = http, token, approver_token
        self._retries, self._sleep = retries, sleep
        self.commands_sent = 0  # POSTs that reached the service, retries included

    async def codes(self) -> dict[str, str]:
        """The tenant's project ids by code (project-svc lists no filter by code: every page)."""
        found: dict[str, str] = {}
        cursor: str | None = None
        while True:
            params = {"limit": str(PAGE_SIZE)} | ({"cursor": cursor} if cursor else {})
            page = await self._get("/v1/projects", params=params)
            found.update({item["code"]: str(item["project_id"]) for item in page["items"]})
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    async def snapshot(self, project_id: str) -> Snapshot:
        """The project's state and its audit trail."""
        project = await self._get(f"/v1/projects/{project_id}")
        events = await self._get(f"/v1/projects/{project_id}/events")
        return Snapshot.read(project, events)

    async def command(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        key: str,
        if_match: int | None,
        approver: bool = False,
        what: str | None = None,
    ) -> Mapping[str, Any]:
        """POST a command with its Idempotency-Key (and If-Match); its answer's JSON. A
        refusal names the command as `what` (default the request)."""
        token = self._approver if approver else self._token
        if token is None:
            raise ServiceUnavailableError(
                "no approver token: pass --approver-token (the proposer never approves)"
            )
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        response = await self._request("POST", path, headers=headers, json=dict(body))
        answer: Mapping[str, Any] = self._answer(what or f"POST {path}", response)
        return answer

    async def _get(self, path: str, *, params: Mapping[str, str] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self._token}"}
        response = await self._request("GET", path, headers=headers, params=params)
        return self._answer(f"GET {path}", response)

    def _answer(self, what: str, response: httpx.Response) -> Any:
        if response.is_success:
            return response.json()
        try:
            problem = response.json()
        except ValueError:
            problem = {"detail": response.text[:500]}
        raise CommandRefusedError(
            what, response.status_code, problem if isinstance(problem, dict) else {}
        )

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The answer to the request, retried through dropped connections and unavailability."""
        for attempt in range(1, self._retries.attempts + 1):
            last = attempt == self._retries.attempts
            try:
                if method == "POST":
                    self.commands_sent += 1
                response = await self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                if last:
                    raise ServiceUnavailableError(
                        f"{method} {path}: {type(exc).__name__}: {exc}"
                    ) from exc
                await self._sleep(self._retries.wait(attempt, None))
                continue
            if response.status_code not in RETRIED_STATUSES or last:
                return response
            await self._sleep(self._retries.wait(attempt, response))
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover
