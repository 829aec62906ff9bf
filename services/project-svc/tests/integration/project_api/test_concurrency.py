"""Optimistic concurrency (ETag / If-Match) and idempotent creation."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from .flows import BASELINE, PROPOSAL, code, post, propose

pytestmark = pytest.mark.integration


async def test_a_stale_if_match_gets_412_and_changes_nothing(api: httpx.AsyncClient) -> None:
    project_id = (await propose(api))["project_id"]
    p = f"/v1/projects/{project_id}"
    read = await api.get(p)
    assert read.headers["etag"] == '"1"'
    await post(api, f"{p}/baseline", BASELINE, **{"If-Match": '"1"'})

    stale = await api.post(
        f"{p}/milestones", json={"name": "x", "due_date": "2026-03-01"}, headers={"If-Match": '"1"'}
    )

    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["current_version"] == 2
    assert (await api.get(p)).headers["etag"] == '"2"'


async def test_concurrent_commands_at_the_same_version_exactly_one_wins(
    api: httpx.AsyncClient,
) -> None:
    project_id = (await propose(api))["project_id"]
    path = f"/v1/projects/{project_id}/milestones"

    responses = await asyncio.gather(
        *(
            api.post(
                path, json={"name": f"m{i}", "due_date": "2026-03-01"}, headers={"If-Match": '"1"'}
            )
            for i in range(5)
        )
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 412, 412, 412, 412]  # a lost race on an If-Match is a 412, never a 409
    for loser in (r for r in responses if r.status_code == 412):
        assert loser.headers["content-type"] == "application/problem+json"
        assert loser.json()["current_version"] == 2
        assert loser.headers["etag"] == '"2"'
    project = (await api.get(f"/v1/projects/{project_id}")).json()
    assert project["version"] == 2
    assert len(project["milestones"]) == 1


async def test_create_with_the_same_idempotency_key_creates_once(api: httpx.AsyncClient) -> None:
    body = {**PROPOSAL, "code": code()}
    first = await api.post("/v1/projects", json=body, headers={"Idempotency-Key": "abc-1"})
    again = await api.post("/v1/projects", json=body, headers={"Idempotency-Key": "abc-1"})
    other = await api.post(
        "/v1/projects", json={**body, "name": "Different"}, headers={"Idempotency-Key": "abc-1"}
    )

    assert first.status_code == again.status_code == 201
    assert again.json()["project_id"] == first.json()["project_id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    listed = (await api.get("/v1/projects")).json()["items"]
    assert [i["project_id"] for i in listed] == [first.json()["project_id"]]


async def test_concurrent_retries_with_one_idempotency_key_create_once(
    api: httpx.AsyncClient,
) -> None:
    body = {**PROPOSAL, "code": code()}
    responses = await asyncio.gather(
        *(
            api.post("/v1/projects", json=body, headers={"Idempotency-Key": "retry-storm"})
            for _ in range(5)
        )
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["project_id"] for r in responses}) == 1


async def test_a_duplicate_code_is_a_conflict(api: httpx.AsyncClient) -> None:
    body = {**PROPOSAL, "code": code()}
    assert (await api.post("/v1/projects", json=body)).status_code == 201
    duplicate = await api.post("/v1/projects", json=body)
    assert duplicate.status_code == 409
    assert "already exists" in duplicate.json()["detail"]


async def test_at_most_one_live_office_even_when_established_concurrently(
    api: httpx.AsyncClient,
) -> None:
    project_id = (await propose(api, flagged_large=True))["project_id"]
    p = f"/v1/projects/{project_id}"
    await post(api, f"{p}/baseline", BASELINE)
    await post(api, f"{p}/approve")

    responses = await asyncio.gather(
        *(
            api.post(f"{p}/office", json={"lead": f"lead-{i}", "reporting_cadence_days": 7})
            for i in range(4)
        )
    )

    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
