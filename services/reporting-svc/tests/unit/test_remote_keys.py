"""The client of the producers' key services (`pmo_shared.privacy.remote.RemoteKeys`), against
key services simulated with httpx.MockTransport (and a socket that never answers, for the
timeout): keys are merged from every service and fetched anew for every call; a value reads
its user id, `[erased]`, `[unknown]`, or `[unavailable]` while a key service is down (the call
still succeeds); a lookup (a filter) refuses with a 503 instead of answering in part."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from uuid import UUID

import httpx
import pytest

from pmo_shared.privacy import crypto
from pmo_shared.privacy.fields import ERASED
from pmo_shared.privacy.remote import (
    UNAVAILABLE,
    UNKNOWN,
    KeyServiceUnavailableError,
    RemoteKeys,
)
from reporting_svc.settings import ReportingSettings

TENANT = "acme"
TOKEN = "reporting-token-of-at-least-32-characters"


@dataclass
class Person:
    user_id: str
    ref: UUID = field(default_factory=uuid.uuid4)
    key_id: UUID = field(default_factory=uuid.uuid4)
    key: bytes | None = field(default_factory=crypto.new_data_key)

    def sealed(self, tenant: str = TENANT) -> dict[str, str]:
        assert self.key is not None
        ciphertext = crypto.seal(
            self.user_id, self.key, tenant_id=tenant, subject_ref=self.ref, key_id=self.key_id
        )
        return {"subject_ref": str(self.ref), "key_id": str(self.key_id), "ciphertext": ciphertext}


@dataclass
class KeyService:
    """A producer's key service: its people, and the requests it was sent."""

    people: list[Person] = field(default_factory=list)
    down: bool = False
    batch: bool = True  # False: an older version, without the batch lookup route
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        internal = request.url.path.startswith("/internal/")
        if internal and request.headers.get("authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"title": "Unauthorized"})
        body = json.loads(request.content) if request.content else {}
        if request.url.path == "/internal/v1/data-keys":
            asked = set(body["subject_refs"])
            keys = [
                {
                    "subject_ref": str(p.ref),
                    "key_id": str(p.key_id),
                    "data_key": base64.b64encode(p.key).decode() if p.key else None,
                    "erased_at": None if p.key else "2026-12-01T00:00:00Z",
                }
                for p in self.people
                if str(p.ref) in asked and body["tenant_id"] == TENANT
            ]
            return httpx.Response(200, json={"keys": keys})
        if request.url.path == "/internal/v1/data-subjects/lookups":
            if not self.batch:
                return httpx.Response(404, json={"title": "Not Found"})
            if any(len(u) > 200 for u in body["user_ids"]):
                return httpx.Response(422, json={"title": "invalid"})
            subjects = [
                {"user_id": u, "subject_ref": str(live[0].ref) if live else None}
                for u in dict.fromkeys(body["user_ids"])
                for live in [[p for p in self.people if p.user_id == u and p.key]]
            ]
            return httpx.Response(200, json={"subjects": subjects})
        if request.url.path == "/internal/v1/data-subjects/lookup":
            if body["user_id"] == "x" * 300:
                return httpx.Response(422, json={"title": "invalid"})
            live = [p for p in self.people if p.user_id == body["user_id"] and p.key]
            return httpx.Response(200, json={"subject_ref": str(live[0].ref) if live else None})
        return httpx.Response(
            200, json={"path": request.url.path, "auth": request.headers.get("authorization")}
        )


def remote(services: dict[str, KeyService], *, timeout: float = 2.0) -> RemoteKeys:
    def route(request: httpx.Request) -> httpx.Response:
        return services[request.url.host].handle(request)

    return RemoteKeys(
        {name: f"http://{name}" for name in services},
        token=TOKEN,
        timeout=timeout,
        transport=httpx.MockTransport(route),
    )


@pytest.fixture
def ann() -> Person:
    return Person("pm-ann")


@pytest.fixture
def bob() -> Person:
    return Person("cfo-bob")


@pytest.fixture
async def two(ann: Person, bob: Person) -> AsyncIterator[tuple[RemoteKeys, KeyService, KeyService]]:
    project, program = KeyService([ann]), KeyService([bob])
    keys = remote({"project-svc": project, "program-svc": program})
    yield keys, project, program
    await keys.aclose()


async def test_keys_are_merged_from_every_key_service_and_an_unknown_subject_is_absent(
    two: tuple[RemoteKeys, KeyService, KeyService], ann: Person, bob: Person
) -> None:
    keys, project, program = two
    stranger = uuid.uuid4()
    found = await keys.keys(TENANT, [ann.ref, bob.ref, stranger])
    assert found == {ann.ref: ann.key, bob.ref: bob.key}
    for service in (project, program):
        [request] = service.requests
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        body = json.loads(request.content)
        assert body["tenant_id"] == TENANT
        assert set(body["subject_refs"]) == {str(ann.ref), str(bob.ref), str(stranger)}
    bob.key = None  # erased
    assert (await keys.keys(TENANT, [bob.ref]))[bob.ref] is None
    assert await keys.keys(TENANT, []) == {}


async def test_many_subjects_are_asked_for_in_requests_of_at_most_a_thousand(ann: Person) -> None:
    service = KeyService([ann])
    keys = remote({"project-svc": service})
    refs = [uuid.uuid4() for _ in range(2500)] + [ann.ref]
    assert await keys.keys(TENANT, refs) == {ann.ref: ann.key}
    sizes = [len(json.loads(r.content)["subject_refs"]) for r in service.requests]
    assert sorted(sizes) == [501, 1000, 1000]
    await keys.aclose()


@pytest.mark.parametrize(
    "failure",
    [
        lambda r, _: (_ for _ in ()).throw(httpx.ConnectError("refused", request=r)),
        lambda r, _: httpx.Response(500, json={"title": "boom"}),
        lambda r, _: httpx.Response(200, json={"keys": [{"subject_ref": "not-a-uuid"}]}),
        lambda r, _: httpx.Response(200, content=b"<html>proxy</html>"),
        lambda r, ann: httpx.Response(
            200, json={"keys": [{"subject_ref": str(ann.ref), "data_key": "c2hvcnQ="}]}
        ),
    ],
    ids=["refused", "5xx", "wrong-shape", "not-json", "short-key"],
)
async def test_keys_refuse_with_a_503_when_a_key_service_fails(
    failure: Callable[[httpx.Request, Person], httpx.Response], ann: Person
) -> None:
    good = KeyService([ann])

    def route(request: httpx.Request) -> httpx.Response:
        return good.handle(request) if request.url.host == "good" else failure(request, ann)

    keys = RemoteKeys(
        {"good": "http://good", "bad": "http://bad"},
        token=TOKEN,
        transport=httpx.MockTransport(route),
    )
    with pytest.raises(KeyServiceUnavailableError) as raised:
        await keys.keys(TENANT, [ann.ref])
    assert raised.value.services == ("bad",)
    assert raised.value.status == 503
    assert raised.value.problem_headers() == {"Retry-After": "2"}
    # ...while opening still answers: what the good service knows opens
    assert await keys.open(TENANT, [ann.sealed()]) == ["pm-ann"]
    await keys.aclose()


async def test_open_shows_each_value_as_its_key_service_says_now(
    two: tuple[RemoteKeys, KeyService, KeyService], ann: Person, bob: Person
) -> None:
    keys, project, program = two
    unknown = Person("nobody")
    values = [ann.sealed(), bob.sealed(), ann.sealed(), unknown.sealed(), None, 42]
    assert await keys.open(TENANT, values) == ["pm-ann", "cfo-bob", "pm-ann", UNKNOWN, None, 42]
    # one request per key service for all of them
    assert (len(project.requests), len(program.requests)) == (1, 1)

    ann.key = None  # erased in project-svc: in force at the next call, nothing is kept
    assert await keys.open(TENANT, values[:3]) == [ERASED, "cfo-bob", ERASED]


async def test_a_value_of_another_tenant_or_tampered_with_does_not_open(
    two: tuple[RemoteKeys, KeyService, KeyService], ann: Person
) -> None:
    keys, _, _ = two
    copied = ann.sealed(tenant="globex")  # sealed for another tenant, shown in acme
    tampered = {**ann.sealed(), "key_id": str(uuid.uuid4())}
    assert await keys.open(TENANT, [copied, tampered]) == [UNKNOWN, UNKNOWN]


async def test_a_key_service_that_is_down_makes_its_values_unavailable_not_the_report(
    two: tuple[RemoteKeys, KeyService, KeyService], ann: Person, bob: Person
) -> None:
    keys, project, _ = two
    project.down = True
    assert await keys.open(TENANT, [ann.sealed(), bob.sealed()]) == [UNAVAILABLE, "cfo-bob"]


async def test_nested_sealed_values_open_like_open_payload(
    two: tuple[RemoteKeys, KeyService, KeyService], ann: Person, bob: Person
) -> None:
    keys, _, _ = two
    payload = {"manager": ann.sealed(), "staff": [bob.sealed()], "code": "P-1"}
    [opened] = await keys.open(TENANT, [payload])
    assert opened == {"manager": "pm-ann", "staff": ["cfo-bob"], "code": "P-1"}


async def test_a_plain_value_from_before_sealing_shows_only_while_the_person_is_known(
    two: tuple[RemoteKeys, KeyService, KeyService], ann: Person
) -> None:
    keys, project, _ = two
    assert await keys.open(TENANT, ["pm-ann", "pm-ann", "gone-gus", ERASED]) == [
        "pm-ann",
        "pm-ann",
        ERASED,  # no key service knows a live gone-gus: erased (or never known)
        ERASED,
    ]
    [lookups] = [r for r in project.requests if r.url.path.endswith("/lookups")]
    assert json.loads(lookups.content) == {"tenant_id": TENANT, "user_ids": ["gone-gus", "pm-ann"]}
    ann.key = None
    assert await keys.open(TENANT, ["pm-ann"]) == [ERASED]
    project.down = True
    assert await keys.open(TENANT, ["pm-ann"]) == [UNAVAILABLE]


async def test_lookup_gives_the_pseudonyms_of_every_key_service(
    two: tuple[RemoteKeys, KeyService, KeyService], ann: Person
) -> None:
    keys, project, program = two
    ann_in_program = Person("pm-ann")
    program.people.append(ann_in_program)
    assert await keys.lookup(TENANT, "pm-ann") == {ann.ref, ann_in_program.ref}
    assert await keys.lookup(TENANT, "nobody") == set()
    assert await keys.lookup(TENANT, "x" * 300) == set()  # no user id to them (422)
    before = len(project.requests)
    assert await keys.lookup(TENANT, ERASED) == set()  # asks nobody
    assert await keys.lookup(TENANT, "  ") == set()
    assert len(project.requests) == before
    program.down = True
    with pytest.raises(KeyServiceUnavailableError) as raised:
        await keys.lookup(TENANT, "pm-ann")
    assert raised.value.services == ("program-svc",)


async def test_without_key_services_nothing_is_asked_and_nothing_opens(ann: Person) -> None:
    keys = RemoteKeys({}, token=None)
    assert keys.services == ()
    assert await keys.keys(TENANT, [ann.ref]) == {}
    assert await keys.lookup(TENANT, "pm-ann") == set()
    assert await keys.open(TENANT, [ann.sealed(), "pm-ann"]) == [UNKNOWN, ERASED]
    await keys.aclose()


def test_key_services_need_a_token_and_come_from_the_settings() -> None:
    with pytest.raises(ValueError, match="token"):
        RemoteKeys({"project-svc": "http://p"}, token=None)
    settings = ReportingSettings(
        environment="test",
        database_url="postgresql://pmo@127.0.0.1:1/pmo",
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_secret="a-test-secret-of-at-least-thirty-two-chars",
        service_token=TOKEN,
        key_services={"project-svc": "http://127.0.0.1:18001/"},
    )
    keys = RemoteKeys.from_settings(settings)
    assert keys.services == ("project-svc",)


async def test_each_service_forwards_the_callers_request_to_every_key_service(
    two: tuple[RemoteKeys, KeyService, KeyService],
) -> None:
    keys, _, program = two
    program.down = True
    answers = await keys.each_service(
        "POST", "/v1/data-subjects/ann/erase", headers={"Authorization": "Bearer caller"}
    )
    assert [(a.service, a.status, a.ok) for a in answers] == [
        ("program-svc", None, False),
        ("project-svc", 200, True),
    ]
    assert answers[1].body == {"path": "/v1/data-subjects/ann/erase", "auth": "Bearer caller"}
    assert "ConnectError" in str(answers[0].error)


async def test_a_key_service_that_never_answers_is_given_up_on_after_the_timeout(
    ann: Person,
) -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def hang(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # read nothing, answer nothing

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    keys = RemoteKeys({"slow-svc": f"http://127.0.0.1:{port}"}, token=TOKEN, timeout=0.2)
    try:
        started = time.monotonic()
        assert await keys.open(TENANT, [ann.sealed()]) == [UNAVAILABLE]
        assert time.monotonic() - started < 2
        with pytest.raises(KeyServiceUnavailableError):
            await keys.lookup(TENANT, "pm-ann")
    finally:
        await keys.aclose()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_many_plain_values_take_one_lookup_per_key_service_and_thousand(ann: Person) -> None:
    project, program = KeyService([ann]), KeyService([])
    keys = remote({"project-svc": project, "program-svc": program})
    values = ["pm-ann", *(f"pm-{i}" for i in range(1500))]
    opened = await keys.open(TENANT, values)
    assert opened == ["pm-ann", *([ERASED] * 1500)]
    for service in (project, program):
        sizes = [len(json.loads(r.content)["user_ids"]) for r in service.requests]
        assert sorted(sizes) == [501, 1000]
        assert all(r.url.path.endswith("/lookups") for r in service.requests)
    await keys.aclose()


async def test_a_key_service_without_the_batch_route_is_asked_one_value_at_a_time(
    ann: Person,
) -> None:
    old = KeyService([ann], batch=False)
    keys = remote({"project-svc": old})
    assert await keys.open(TENANT, ["pm-ann", "gone-gus", "x" * 300]) == ["pm-ann", ERASED, ERASED]
    paths = sorted(r.url.path.rsplit("/", 1)[1] for r in old.requests)
    assert paths == ["lookup", "lookup", "lookup", "lookups"]
    old.down = True
    assert await keys.open(TENANT, ["pm-ann"]) == [UNAVAILABLE]
    await keys.aclose()


async def test_a_value_one_key_service_refuses_falls_back_to_single_lookups(ann: Person) -> None:
    service = KeyService([ann])
    keys = remote({"project-svc": service})
    assert await keys.open(TENANT, ["pm-ann", "x" * 300]) == ["pm-ann", ERASED]
    paths = [r.url.path.rsplit("/", 1)[1] for r in service.requests]
    assert paths[0] == "lookups"
    assert sorted(paths[1:]) == ["lookup", "lookup"]
    await keys.aclose()


async def test_requests_beyond_the_connection_slots_wait_for_one_not_for_httpx_pool() -> None:
    """More requests at once than the client's slots: each still gets an answer (httpcore's
    pool never has a waiter to lose when a request is cancelled)."""
    in_flight = 0
    most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        for _ in range(3):  # yield to the other requests while this one is in flight
            await asyncio.sleep(0)
        in_flight -= 1
        return httpx.Response(200, json={"subject_ref": None})

    keys = RemoteKeys(
        {"project-svc": "http://project-svc"},
        token=TOKEN,
        transport=httpx.MockTransport(handler),
    )
    results = await asyncio.gather(*(keys.lookup(TENANT, f"u-{i}") for i in range(200)))
    assert results == [set()] * 200
    assert 1 < most <= 50
    await keys.aclose()
