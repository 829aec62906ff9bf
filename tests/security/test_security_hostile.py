"""Hostile input on every command of every service, generated from the live OpenAPI request
schemas (`pmo_shared.testing.openapi_cases.hostile_bodies`): oversized bodies and 10 MB strings
(413, by Content-Length and chunked), deep JSON, invalid UTF-8, other media types (415), unknown
members, and per member by its kind NUL and control characters, lone surrogates, NaN/Infinity,
40-digit and negative numbers, dates out of range. Each is a precise 4xx problem (never a 5xx)
and appends nothing; an Idempotency-Key reused with another body is a 422 and appends nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.settings import ServiceSettings
from pmo_shared.testing.openapi_cases import HostileBody, Operation, hostile_bodies, properties_of

from .security_stack import (
    Service,
    World,
    bearer,
    bounded,
    event_counts,
    new_tenant,
    problem_failure,
    request_of,
    token,
)

pytestmark = pytest.mark.integration

MAX_BODY_BYTES = int(ServiceSettings.model_fields["max_body_bytes"].default)


def _commands(services: dict[str, Service]) -> list[tuple[Service, Operation]]:
    return [
        (service, op)
        for service in services.values()
        for op in service.operations
        if op.is_command and op.body_schema is not None
    ]


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(content), 256 * 1024):
        yield content[start : start + 256 * 1024]


async def test_hostile_bodies_get_a_precise_4xx_and_append_nothing(
    services: dict[str, Service], hostile_world: World, event_stores: dict[str, AsyncEngine]
) -> None:
    headers = bearer(token(hostile_world.tenant, "pmo", sub="k3-hostile"))
    commands = _commands(services)
    cases = [
        (service, op, hostile)
        for service, op in commands
        for hostile in hostile_bodies(op, max_body_bytes=MAX_BODY_BYTES)
    ]
    before = await event_counts(event_stores, [hostile_world.tenant])

    async with httpx.AsyncClient(timeout=60) as http:

        async def send(service: Service, op: Operation, hostile: HostileBody) -> str:
            path, _body = request_of(op, hostile_world)
            content: Any = _chunks(hostile.content) if hostile.chunked else hostile.content
            response = await http.request(
                op.method,
                service.url + path,
                content=content,
                headers={**headers, "content-type": hostile.content_type},
            )
            failure = problem_failure(response, hostile.statuses)
            return (
                "" if failure is None else f"{service.name} {op.name} [{hostile.name}]: {failure}"
            )

        async def send_huge(service: Service, op: Operation) -> list[str]:
            # The 10 MB bodies are made as they are sent, never all in memory at once.
            bodies = hostile_bodies(op, max_body_bytes=MAX_BODY_BYTES, huge=True)
            return [await send(service, op, hostile) for hostile in bodies]

        failures = [f for f in await bounded(send(*case) for case in cases) if f]
        huge_failures = await bounded((send_huge(*c) for c in commands), limit=3)
        failures += [f for group in huge_failures for f in group if f]

    after = await event_counts(event_stores, [hostile_world.tenant])
    assert not failures, f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)
    assert after == before
    assert len(cases) > 1000


def _other_body(op: Operation, body: dict[str, Any]) -> dict[str, Any] | None:
    """The same command with one text member changed (None when it has none to change)."""
    for name, schema in properties_of(op.document, op.body_schema or {}).items():
        value = body.get(name)
        if (
            isinstance(value, str)
            and schema.get("type") == "string"
            and not (
                schema.get("format") or schema.get("enum") or schema.get("pattern", "\\S") != "\\S"
            )
        ):
            return {**body, name: value + "-other"}
    return None


async def test_an_idempotency_key_reused_with_another_body_is_a_422_and_appends_nothing(
    services: dict[str, Service], hostile_world: World, event_stores: dict[str, AsyncEngine]
) -> None:
    headers = bearer(token(hostile_world.tenant, "pmo", sub="k3-idempotent"))
    tried: list[str] = []
    failures: list[str] = []
    async with httpx.AsyncClient(timeout=30) as http:
        for service, op in _commands(services):
            if "idempotency-key" not in op.header_parameters:
                continue
            path, body = request_of(op, hostile_world)
            other = _other_body(op, body or {})
            if body is None or other is None:
                continue
            key = {"Idempotency-Key": f"k3-{uuid.uuid4()}"}
            url = service.url + path
            first = await http.request(op.method, url, json=body, headers={**headers, **key})
            if first.status_code >= 300:
                continue  # refused by the domain: nothing was remembered under the key
            tried.append(op.name)
            before = await event_counts(event_stores, [hostile_world.tenant])
            reused = await http.request(op.method, url, json=other, headers={**headers, **key})
            failure = problem_failure(reused, {422})
            if failure is None and not reused.json()["type"].endswith("/idempotency-key-reused"):
                failure = f"another 422: {reused.text[:300]}"
            if await event_counts(event_stores, [hostile_world.tenant]) != before:
                failure = f"an event was appended ({reused.status_code})"
            if failure:
                failures.append(f"{service.name} {op.name}: {failure}")

    assert not failures, "\n".join(failures)
    # At least the creating routes of the three write services took their first attempt.
    assert {"POST /v1/projects", "POST /v1/programs", "POST /v1/portfolios"} <= set(tried), tried


async def test_concurrent_erasures_of_one_person_are_answered_without_a_5xx(
    services: dict[str, Service],
) -> None:
    tenant = new_tenant("erasures")
    person = f"k3-person-{uuid.uuid4().hex[:6]}"
    project = services["project-svc"].url
    async with httpx.AsyncClient(timeout=60) as http:
        proposed = await http.post(
            f"{project}/v1/projects",
            headers=bearer(token(tenant, "pmo", sub="k3-creator")),
            json={
                "code": "K3-ERASE",
                "name": "erasures",
                "manager": person,
                "sponsor": "k3-sponsor",
                "methodology": "agile",
                "currency": "EUR",
            },
        )
        assert proposed.status_code == 201, proposed.text
        answers = await asyncio.gather(
            *(
                http.post(
                    f"{project}/v1/data-subjects/{person}/erase",
                    headers=bearer(token(tenant, "pmo", sub=f"k3-privacy-officer-{i}")),
                )
                for i in range(4)
            )
        )

    statuses = [a.status_code for a in answers]
    assert all(s < 500 for s in statuses), [a.text[:200] for a in answers]
    assert 200 in statuses
