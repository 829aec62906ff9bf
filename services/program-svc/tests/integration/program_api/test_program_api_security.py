"""Authentication, tenant isolation and the role matrix of programs, on the running service."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from pmo_shared.testing import TokenFor

from .program_flows import (
    MANAGER,
    PROGRAM,
    PROPOSER,
    SPONSOR,
    References,
    active_program,
    as_user,
    code,
    post,
    project,
    propose_program,
)

pytestmark = pytest.mark.integration


def _claims(tenant: str) -> dict[str, object]:
    return {"sub": "x", "tenant": tenant, "roles": ["pmo"], "exp": int(time.time()) + 600}


@pytest.mark.parametrize("kind", ["missing", "expired", "wrong-key", "garbage"])
async def test_bad_tokens_get_401(
    program_url: str, jwt_secret: str, tenant: str, kind: str
) -> None:
    tokens = {
        "expired": jwt.encode({**_claims(tenant), "exp": int(time.time()) - 3600}, jwt_secret),
        "wrong-key": jwt.encode(_claims(tenant), "another-secret-of-at-least-32-characters!"),
        "garbage": "not.a.token",
    }
    headers = {"Authorization": f"Bearer {tokens[kind]}"} if kind in tokens else {}
    async with httpx.AsyncClient(base_url=program_url) as client:
        for method, path in (("GET", "/v1/programs"), ("POST", "/v1/programs")):
            response = await client.request(method, path, headers=headers, json=PROGRAM)
            assert response.status_code == 401, (kind, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"


async def test_another_tenants_program_is_not_found(
    api: httpx.AsyncClient, program_url: str, token_for: TokenFor
) -> None:
    program_id = await active_program(api)
    p = f"/v1/programs/{program_id}"
    headers = {"Authorization": f"Bearer {token_for('someone-else', 'pmo')}"}
    async with httpx.AsyncClient(base_url=program_url, headers=headers) as intruder:
        for method, path, body in (
            ("GET", p, None),
            ("GET", f"{p}/events", None),
            ("POST", f"{p}/hold", {"reason": "sabotage"}),
            ("POST", f"{p}/funding/set", {"amount": "1"}),
            ("POST", f"{p}/resources", {"kind": "role", "role": "x", "weekly_capacity_hours": 1}),
        ):
            response = await intruder.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        listed = (await intruder.get("/v1/programs")).json()["items"]
        assert program_id not in [i["program_id"] for i in listed]
    assert (await api.get(p)).json()["status"] == "active"


async def test_another_tenants_project_is_unknown(
    api: httpx.AsyncClient, project_url: str, token_for: TokenFor, known: References
) -> None:
    headers = {"Authorization": f"Bearer {token_for('other-tenant-projects', 'pmo')}"}
    async with httpx.AsyncClient(base_url=project_url, headers=headers) as elsewhere:
        theirs = await project(elsewhere)
    await known.wait(theirs)
    program_id = await active_program(api)

    response = await api.post(f"/v1/programs/{program_id}/members", json={"project_id": theirs})

    assert response.status_code == 422
    assert response.json()["detail"] == f"unknown project {theirs} (events may still be arriving)"


@pytest.mark.parametrize(
    ("roles", "sub", "may_command"),
    [
        (("pmo",), "carol", True),
        (("program_manager",), MANAGER, True),  # the program's manager
        (("program_manager",), "pgm-zed", False),  # another program manager
        (("viewer",), MANAGER, False),  # the manager's name, but only viewing rights
        (("project_manager",), MANAGER, False),
        (("portfolio_manager",), "x", False),
        (("viewer",), "v", False),
    ],
)
async def test_who_may_command_and_who_may_read(
    api: httpx.AsyncClient,
    roles: tuple[str, ...],
    sub: str,
    may_command: bool,
) -> None:
    program_id = await active_program(api)
    p = f"/v1/programs/{program_id}"
    headers = as_user(api, sub, *roles)

    read = await api.get(p, headers=headers)
    listed = await api.get("/v1/programs", headers=headers)
    trail = await api.get(f"{p}/events", headers=headers)
    command = await api.post(f"{p}/funding/set", json={"amount": "100"}, headers=headers)
    added = await api.post(
        f"{p}/benefits",
        json={
            "name": "b",
            "measure": "m",
            "unit": "u",
            "target_value": "1",
            "target_date": "2027-01-01",
            "owner": "o",
        },
        headers=headers,
    )

    assert (read.status_code, listed.status_code, trail.status_code) == (200, 200, 200)
    expected = (200, 201) if may_command else (403, 403)
    assert (command.status_code, added.status_code) == expected, command.text
    if not may_command:
        assert command.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("roles", "sub", "manager", "may"),
    [
        (("pmo",), "carol", MANAGER, True),
        (("program_manager",), MANAGER, MANAGER, True),  # for a program they manage
        (("program_manager",), MANAGER, "pgm-other", False),
        (("project_manager",), "pm-ann", "pm-ann", False),
        (("portfolio_manager",), "pf-pia", "pf-pia", False),
        (("viewer",), "v", "v", False),
    ],
)
async def test_who_may_propose(
    api: httpx.AsyncClient, roles: tuple[str, ...], sub: str, manager: str, may: bool
) -> None:
    body = {**PROGRAM, "code": code(), "manager": manager}
    response = await api.post("/v1/programs", json=body, headers=as_user(api, sub, *roles))
    assert response.status_code == (201 if may else 403), response.text


@pytest.mark.parametrize(
    ("roles", "sub", "may"),
    [
        (("pmo",), "carol", True),
        (("portfolio_manager",), SPONSOR, True),  # the sponsor
        (("viewer",), SPONSOR, False),  # the sponsor's name, viewing rights only
        (("pmo",), PROPOSER, False),  # nobody approves their own proposal
        (("program_manager",), MANAGER, False),  # nor what they manage
        (("pmo",), MANAGER, False),  # not even as PMO
        (("program_manager",), "pgm-zed", False),
    ],
)
async def test_who_may_activate(
    api: httpx.AsyncClient, roles: tuple[str, ...], sub: str, may: bool
) -> None:
    program_id = (await propose_program(api))["program_id"]

    response = await api.post(
        f"/v1/programs/{program_id}/activate", headers=as_user(api, sub, *roles)
    )

    assert response.status_code == (200 if may else 403), response.text
    status = (await api.get(f"/v1/programs/{program_id}")).json()["status"]
    assert status == ("active" if may else "proposed")


async def test_a_program_manager_commands_only_their_own_program(api: httpx.AsyncClient) -> None:
    mine = await active_program(api)
    theirs = await active_program(api, manager="pgm-other")
    manager = as_user(api, MANAGER, "program_manager")

    await post(api, f"/v1/programs/{mine}/hold", {"reason": "review"}, **manager)
    refused = await api.post(f"/v1/programs/{theirs}/hold", json={"reason": "x"}, headers=manager)

    assert refused.status_code == 403
