"""Races on the running service: allocations that together exceed the pool, one project added
to two programs at once, stale If-Match, retries with one Idempotency-Key."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from .program_flows import PROGRAM, References, active_program, code, post, project

pytestmark = pytest.mark.integration


async def test_two_allocations_that_together_exceed_the_pool_exactly_one_wins(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    program_id = await active_program(api)
    p = f"/v1/programs/{program_id}"
    a, b = await project(projects), await project(projects)
    await known.wait(a, b)
    for project_id in (a, b):
        await post(api, f"{p}/members", {"project_id": project_id})
    await post(api, f"{p}/funding/set", {"amount": "1000"})

    responses = await asyncio.gather(
        api.post(f"{p}/funding/allocations", json={"project_id": a, "amount": "600"}),
        api.post(f"{p}/funding/allocations", json={"project_id": b, "amount": "700"}),
    )

    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.headers["content-type"] == "application/problem+json"
    funding = (await api.get(p)).json()["funding"]
    assert funding["allocated"] in ("600.00", "700.00")
    assert funding["pool"] == "1000.00"


async def test_one_project_added_to_two_programs_at_once_joins_one(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    first, second = await active_program(api), await active_program(api)
    project_id = await project(projects)
    await known.wait(project_id)

    responses = await asyncio.gather(
        *(
            api.post(f"/v1/programs/{program_id}/members", json={"project_id": project_id})
            for program_id in (first, second)
        )
    )

    codes = [r.status_code for r in responses]
    assert sorted(codes) == [200, 409], [r.text for r in responses]
    winner = (first, second)[codes.index(200)]
    loser = responses[codes.index(409)].json()
    assert loser["program_id"] == winner
    assert winner in loser["detail"]
    assert loser["project_id"] == project_id
    members = [
        [m["project_id"] for m in (await api.get(f"/v1/programs/{g}")).json()["members"]]
        for g in (first, second)
    ]
    assert sorted(members, key=len) == [[], [project_id]]


async def test_a_removed_member_may_join_another_program(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    first, second = await active_program(api), await active_program(api)
    project_id = await project(projects)
    await known.wait(project_id)
    await post(api, f"/v1/programs/{first}/members", {"project_id": project_id})
    taken = await api.post(f"/v1/programs/{second}/members", json={"project_id": project_id})
    assert taken.status_code == 409
    assert taken.json()["program_id"] == first

    await post(api, f"/v1/programs/{first}/members/{project_id}/remove", {"reason": "moved"})

    joined = await post(api, f"/v1/programs/{second}/members", {"project_id": project_id})
    assert [m["project_id"] for m in joined["members"]] == [project_id]


async def test_a_stale_if_match_gets_412_and_changes_nothing(api: httpx.AsyncClient) -> None:
    program_id = await active_program(api)
    p = f"/v1/programs/{program_id}"
    assert (await api.get(p)).headers["etag"] == '"2"'
    await post(api, f"{p}/funding/set", {"amount": "10"}, **{"If-Match": '"2"'})

    stale = await api.post(f"{p}/funding/set", json={"amount": "20"}, headers={"If-Match": '"2"'})

    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["current_version"] == 3
    assert stale.headers["etag"] == '"3"'
    assert (await api.get(p)).json()["funding"]["pool"] == "10.00"


async def test_concurrent_commands_at_one_if_match_exactly_one_wins(
    api: httpx.AsyncClient,
) -> None:
    program_id = await active_program(api)
    path = f"/v1/programs/{program_id}/funding/increase"

    responses = await asyncio.gather(
        *(
            api.post(path, json={"amount": "5", "reason": f"r{i}"}, headers={"If-Match": '"2"'})
            for i in range(4)
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 412, 412, 412]
    assert (await api.get(f"/v1/programs/{program_id}")).json()["funding"]["pool"] == "5.00"


async def test_propose_with_one_idempotency_key_creates_once(api: httpx.AsyncClient) -> None:
    body = {**PROGRAM, "code": code()}
    key = {"Idempotency-Key": "program-abc-1"}
    first = await api.post("/v1/programs", json=body, headers=key)
    again = await api.post("/v1/programs", json=body, headers=key)
    other = await api.post("/v1/programs", json={**body, "name": "Different"}, headers=key)

    assert first.status_code == again.status_code == 201
    assert again.json()["program_id"] == first.json()["program_id"]
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    listed = (await api.get("/v1/programs")).json()["items"]
    assert [i["program_id"] for i in listed] == [first.json()["program_id"]]


async def test_concurrent_retries_with_one_idempotency_key_create_once(
    api: httpx.AsyncClient,
) -> None:
    body = {**PROGRAM, "code": code()}
    responses = await asyncio.gather(
        *(
            api.post("/v1/programs", json=body, headers={"Idempotency-Key": "program-storm"})
            for _ in range(5)
        )
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["program_id"] for r in responses}) == 1


async def test_an_added_part_is_created_once_per_idempotency_key(api: httpx.AsyncClient) -> None:
    program_id = await active_program(api)
    body = {"kind": "role", "role": "tester", "weekly_capacity_hours": "40"}
    key = {"Idempotency-Key": "resource-1"}
    first = await api.post(f"/v1/programs/{program_id}/resources", json=body, headers=key)
    again = await api.post(f"/v1/programs/{program_id}/resources", json=body, headers=key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len((await api.get(f"/v1/programs/{program_id}")).json()["resources"]) == 1


async def test_a_duplicate_code_is_a_conflict(api: httpx.AsyncClient) -> None:
    body = {**PROGRAM, "code": code()}
    assert (await api.post("/v1/programs", json=body)).status_code == 201
    duplicate = await api.post("/v1/programs", json=body)
    assert duplicate.status_code == 409
    assert "already exists" in duplicate.json()["detail"]
