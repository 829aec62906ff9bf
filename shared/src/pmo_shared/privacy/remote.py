"""A consumer's client of the producing services' key services: the data keys that open the
sealed values it keeps, and the pseudonyms of a user id (for a filter such as `?manager=`).

A consumer (reporting-svc) keeps personal values only as the producers published them: sealed
(`fields.SealedValue`), beside their pseudonym. To show one it asks every configured key service
(`KEY_SERVICES`, presenting `SERVICE_TOKEN`; the routes of `pmo_shared.web.datasubjects`) for
the keys, *per request*, and keeps them no longer than that request: an erasure is in force for
the consumer the moment the producer destroyed the key. Sealed values carry no producer name, so
every key service is asked and the answers merged (a pseudonym is a random UUID of one service).

What a value reads as:

- the user id, opened with the key (the kernel's `open_payload` logic);
- `[erased]` (`fields.ERASED`) once its subject's key is destroyed;
- `[unavailable]` (`UNAVAILABLE`) when a key service that might know it could not be asked
  (refused, timed out after `timeout` seconds, answered with an error or a body not of the
  documented shape). **The response still succeeds**: a report with a name it cannot show now
  is more use than no report, and the name is never guessed or taken from anywhere else;
- `[unknown]` (`UNKNOWN`) when every key service answered and none knows its subject, or its
  ciphertext does not open with the key (logged: data the producers do not account for);
- a plain string (a value published before sealing existed, kept as given) is shown as it is
  only while some key service still knows a live subject of that user id; once none does (the
  person was erased) it reads `[erased]`, and `[unavailable]` when a key service could not say.

A filter by person cannot be answered in part: `lookup` raises `KeyServiceUnavailableError`
(a 503 problem with `Retry-After`) when a key service could not be asked.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, ValidationError

from pmo_shared.domain.errors import Refusal
from pmo_shared.privacy import crypto
from pmo_shared.privacy.crypto import UnreadableError
from pmo_shared.privacy.fields import ERASED, SealedValue, open_sealed, sealed_refs
from pmo_shared.settings import ServiceSettings

log = structlog.get_logger(__name__)

UNAVAILABLE: Final = "[unavailable]"
"""What a personal value reads as while a key service that may hold its key is unreachable."""
UNKNOWN: Final = "[unknown]"
"""What a sealed value reads as when no key service knows its subject (or its key)."""

KEYS_PATH: Final = "/internal/v1/data-keys"
LOOKUP_PATH: Final = "/internal/v1/data-subjects/lookup"
LOOKUPS_PATH: Final = "/internal/v1/data-subjects/lookups"
DEFAULT_TIMEOUT: Final = 2.0
"""Seconds a key service has to answer (connect, read, write, pool)."""
_REFS_PER_CALL: Final = 1000  # what a key service accepts in one request
_PARALLEL_LOOKUPS: Final = 8
_CONNECTIONS: Final = 50
"""Requests in flight at once from one process: a request waits here, never in httpx's pool
(httpcore leaks a pool slot when a request waiting for one is cancelled, encode/httpcore#1093:
the pool then times out every request to a healthy service until the process restarts)."""


class KeyServiceUnavailableError(Refusal):
    """A key service could not be asked, so the answer would be incomplete (503, retry)."""

    status = 503
    code = "key-service-unavailable"

    def __init__(self, services: Iterable[str]) -> None:
        self.services = tuple(sorted(services))
        super().__init__(
            "the key service of "
            + ", ".join(self.services)
            + " cannot be reached; personal data cannot be looked up now"
        )

    def problem_extra(self) -> dict[str, Any]:
        """The services that failed."""
        return {"services": list(self.services)}

    def problem_headers(self) -> dict[str, str]:
        """Ask the client to retry shortly."""
        return {"Retry-After": "2"}


class _Key(BaseModel):
    model_config = ConfigDict(extra="ignore")

    subject_ref: UUID
    data_key: str | None


class _Keys(BaseModel):
    model_config = ConfigDict(extra="ignore")

    keys: list[_Key]


class _Lookup(BaseModel):
    model_config = ConfigDict(extra="ignore")

    subject_ref: UUID | None


class _Subject(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user_id: str
    subject_ref: UUID | None


class _Lookups(BaseModel):
    model_config = ConfigDict(extra="ignore")

    subjects: list[_Subject]


@dataclass(frozen=True, slots=True)
class ServiceAnswer:
    """One service's answer to a forwarded request: its status and JSON body, or why none."""

    service: str
    status: int | None
    """None: the service could not be reached (or timed out)."""
    body: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class _Found:
    """Keys merged from every key service that answered, and the names of those that did not."""

    keys: dict[UUID, bytes | None]
    failed: frozenset[str]


class RemoteKeys:
    """A client of every configured key service (one pooled httpx client; no key kept)."""

    def __init__(
        self,
        services: Mapping[str, str],
        *,
        token: str | None,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if services and not token:
            raise ValueError("key services need the token this service presents to them")
        self._services = {name: url.rstrip("/") for name, url in services.items()}
        self._token = token or ""
        self._timeout = timeout
        self._slots = asyncio.Semaphore(_CONNECTIONS)
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            limits=httpx.Limits(
                max_connections=_CONNECTIONS, max_keepalive_connections=_CONNECTIONS
            ),
        )

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """One of the `_CONNECTIONS` request slots, waited for at most `timeout` seconds
        (`TimeoutError`, as a pool timeout would be)."""
        async with asyncio.timeout(self._timeout):
            await self._slots.acquire()
        try:
            yield
        finally:
            self._slots.release()

    @classmethod
    def from_settings(
        cls, settings: ServiceSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> RemoteKeys:
        """The key services of `KEY_SERVICES`, asked with `SERVICE_TOKEN`."""
        token = settings.service_token.get_secret_value() if settings.service_token else None
        return cls(settings.key_services, token=token, transport=transport)

    @property
    def services(self) -> tuple[str, ...]:
        """The names of the key services, in a stable order."""
        return tuple(sorted(self._services))

    async def aclose(self) -> None:
        """Close the connections (at shutdown)."""
        await self._client.aclose()

    async def keys(self, tenant_id: str, refs: Iterable[UUID]) -> dict[UUID, bytes | None]:
        """The data key of each of the tenant's subjects among `refs` (None once erased), from
        every key service; a subject none knows is absent. `KeyServiceUnavailableError` when a
        key service could not be asked."""
        found = await self._keys(tenant_id, set(refs))
        if found.failed:
            raise KeyServiceUnavailableError(found.failed)
        return found.keys

    async def lookup(self, tenant_id: str, user_id: str) -> set[UUID]:
        """The tenant's live pseudonyms of a user id, one per key service that has one (empty
        once the person is erased everywhere). `KeyServiceUnavailableError` when a key service
        could not be asked."""
        refs, failed = await self._lookup(tenant_id, user_id)
        if failed:
            raise KeyServiceUnavailableError(failed)
        return refs

    async def open(self, tenant_id: str, values: Sequence[Any]) -> list[Any]:
        """Each JSON value with its sealed values opened (see the module docstring for what
        each reads as), with one request per key service for all of them; a top-level plain
        string is a value stored before sealing; anything else comes back as it is."""
        refs = {ref for value in values for ref in sealed_refs(value)}
        plain = {v for v in values if isinstance(v, str) and v != ERASED}
        found, shown = await asyncio.gather(
            self._keys(tenant_id, refs), self._plain(tenant_id, plain)
        )

        def reveal(sealed: SealedValue) -> str:
            return _reveal(sealed, tenant_id, found)

        return [(shown.get(v, v) if isinstance(v, str) else open_sealed(v, reveal)) for v in values]

    async def each_service(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> list[ServiceAnswer]:
        """Send the same request (a public route, with the caller's own headers) to every key
        service at once; their answers in the order of `services`."""

        async def send(name: str) -> ServiceAnswer:
            try:
                async with self._slot():
                    response = await self._client.request(
                        method,
                        self._services[name] + path,
                        headers=dict(headers),
                        params=dict(params or {}),
                        timeout=timeout,
                    )
            except (httpx.HTTPError, TimeoutError) as exc:
                log.warning("key_service_unreachable", service=name, error=type(exc).__name__)
                return ServiceAnswer(name, None, error=f"unreachable: {type(exc).__name__}")
            try:
                body = response.json()
            except ValueError:
                body = None
            return ServiceAnswer(name, response.status_code, body)

        return list(await asyncio.gather(*(send(name) for name in self.services)))

    async def _post(
        self, name: str, path: str, body: dict[str, Any], *, quiet: Collection[int] = ()
    ) -> tuple[int | None, Any]:
        """A key service's status and JSON answer; (None, None) when it gave none (logged, as
        is a status other than 200 and those in `quiet`)."""
        try:
            async with self._slot():
                response = await self._client.post(
                    self._services[name] + path,
                    json=body,
                    headers={"Authorization": f"Bearer {self._token}"},
                )
        except (httpx.HTTPError, TimeoutError) as exc:
            log.warning("key_service_unreachable", service=name, error=type(exc).__name__)
            return None, None
        if response.status_code != 200:
            if response.status_code not in quiet:
                log.warning("key_service_refused", service=name, status=response.status_code)
            return response.status_code, None
        try:
            return 200, response.json()
        except ValueError:
            log.warning("key_service_answer_invalid", service=name)
            return None, None

    async def _keys(self, tenant_id: str, refs: set[UUID]) -> _Found:
        if not refs or not self._services:
            return _Found({}, frozenset())
        wanted = sorted(refs)
        chunks = [wanted[i : i + _REFS_PER_CALL] for i in range(0, len(wanted), _REFS_PER_CALL)]

        async def ask(name: str) -> tuple[str, dict[UUID, bytes | None] | None]:
            merged: dict[UUID, bytes | None] = {}
            for chunk in chunks:
                body = {"tenant_id": tenant_id, "subject_refs": [str(r) for r in chunk]}
                status, json = await self._post(name, KEYS_PATH, body)
                answer = _parsed_keys(json, set(chunk)) if status == 200 else None
                if answer is None:
                    return name, None
                merged.update(answer)
            return name, merged

        keys: dict[UUID, bytes | None] = {}
        failed: set[str] = set()
        for name, answer in await asyncio.gather(*(ask(n) for n in self.services)):
            if answer is None:
                failed.add(name)
                continue
            for ref, key in answer.items():
                # Pseudonyms are random per service; should two ever claim one, erased wins.
                keys[ref] = None if (ref in keys and keys[ref] is None) else key
        return _Found(keys, frozenset(failed))

    async def _lookup(self, tenant_id: str, user_id: str) -> tuple[set[UUID], frozenset[str]]:
        if not user_id.strip() or user_id.strip() == ERASED or not self._services:
            return set(), frozenset()
        refs: set[UUID] = set()
        failed: set[str] = set()
        answers = await asyncio.gather(
            *(self._lookup_at(n, tenant_id, user_id) for n in self.services)
        )
        for name, ref, answered in answers:
            if not answered:
                failed.add(name)
            elif ref is not None:
                refs.add(ref)
        return refs, frozenset(failed)

    async def _lookup_at(
        self, name: str, tenant_id: str, user_id: str
    ) -> tuple[str, UUID | None, bool]:
        """The key service `name`'s live pseudonym of a user id, and whether it answered."""
        body = {"tenant_id": tenant_id, "user_id": user_id}
        status, answer = await self._post(name, LOOKUP_PATH, body, quiet={422})
        if status == 422:  # not a user id to that service: nobody's
            return name, None, True
        try:
            return name, _Lookup.model_validate(answer).subject_ref, status == 200
        except ValidationError:
            log.warning("key_service_answer_invalid", service=name)
            return name, None, False

    async def _plain(self, tenant_id: str, values: set[str]) -> dict[str, str]:
        """What each plain (pre-sealing) value is shown as: itself while a key service knows
        the person, `[erased]` once none does, `[unavailable]` when one could not say. One
        request per key service (and 1,000 values) for all of them (`LOOKUPS_PATH`)."""
        asked = sorted(v for v in values if v.strip() and v.strip() != ERASED)
        live: set[str] = set()
        failed = False
        if asked and self._services:
            answers = await asyncio.gather(
                *(self._lookups(name, tenant_id, asked) for name in self.services)
            )
            for answer in answers:
                if answer is None:
                    failed = True
                else:
                    live |= answer
        return {v: v if v in live else (UNAVAILABLE if failed else ERASED) for v in values}

    async def _lookups(self, name: str, tenant_id: str, user_ids: list[str]) -> set[str] | None:
        """The user ids among `user_ids` that the key service `name` knows a live subject of;
        None when it could not say. A key service without the batch route (404, 405: an older
        version during a rolling upgrade) or refusing one of the values (422) is asked one
        value at a time."""
        live: set[str] = set()
        for i in range(0, len(user_ids), _REFS_PER_CALL):
            chunk = user_ids[i : i + _REFS_PER_CALL]
            body = {"tenant_id": tenant_id, "user_ids": chunk}
            status, answer = await self._post(name, LOOKUPS_PATH, body, quiet={404, 405, 422})
            if status in {404, 405, 422}:
                one = await self._lookups_one_by_one(name, tenant_id, chunk)
                if one is None:
                    return None
                live |= one
                continue
            if status != 200:
                return None
            try:
                subjects = _Lookups.model_validate(answer).subjects
            except ValidationError:
                log.warning("key_service_answer_invalid", service=name)
                return None
            wanted = set(chunk)
            live |= {s.user_id for s in subjects if s.subject_ref and s.user_id in wanted}
        return live

    async def _lookups_one_by_one(
        self, name: str, tenant_id: str, user_ids: list[str]
    ) -> set[str] | None:
        """`_lookups` by the single route, `_PARALLEL_LOOKUPS` at a time."""
        gate = asyncio.Semaphore(_PARALLEL_LOOKUPS)

        async def one(user_id: str) -> tuple[str, UUID | None, bool]:
            async with gate:
                _, ref, answered = await self._lookup_at(name, tenant_id, user_id)
            return user_id, ref, answered

        live: set[str] = set()
        for user_id, ref, answered in await asyncio.gather(*(one(u) for u in user_ids)):
            if not answered:
                return None
            if ref is not None:
                live.add(user_id)
        return live


def _parsed_keys(answer: Any, asked: set[UUID]) -> dict[UUID, bytes | None] | None:
    """The keys of a key service's answer (only of the subjects asked), or None if it is not
    the documented shape."""
    try:
        parsed = _Keys.model_validate(answer)
        keys = {
            k.subject_ref: (base64.b64decode(k.data_key, validate=True) if k.data_key else None)
            for k in parsed.keys
            if k.subject_ref in asked
        }
    except (ValidationError, binascii.Error, ValueError):
        log.warning("key_service_answer_invalid")
        return None
    if any(key is not None and len(key) != crypto.KEY_BYTES for key in keys.values()):
        log.warning("key_service_answer_invalid")
        return None
    return keys


def _reveal(sealed: SealedValue, tenant_id: str, found: _Found) -> str:
    ref = sealed.subject_ref
    if ref not in found.keys:
        if found.failed:
            return UNAVAILABLE
        log.warning("personal_value_subject_unknown", subject_ref=str(ref))
        return UNKNOWN
    data_key = found.keys[ref]
    if data_key is None:
        return ERASED
    try:
        return crypto.unseal(
            sealed.ciphertext, data_key, tenant_id=tenant_id, subject_ref=ref, key_id=sealed.key_id
        )
    except UnreadableError:
        log.warning("personal_value_unreadable", subject_ref=str(ref))
        return UNKNOWN
