"""Races on the running service: one component added to two portfolios at once, the counted-
once rules, stale If-Match, retries with one Idempotency-Key, a duplicate code."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from .portfolio_flows import (
    PORTFOLIO,
    References,
    code,
    create_portfolio,
    post,
    program,
    project,
    put,
)

pytestmark = pytest.mark.integration


async def test_one_component_added_to_two_portfolios_at_once_joins_one(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    first, second = (
        (await create_portfolio(api))["portfolio_id"],
        (await create_portfolio(api))["portfolio_id"],
    )
    project_id = await project(projects, flagged_large=True)
    await known.project(project_id)
    body = {"component_id": project_id, "kind": "project", "estimate": "5000"}

    responses = await asyncio.gather(
        *(api.post(f"/v1/portfolios/{p}/components", json=body) for p in (first, second))
    )

    codes = [r.status_code for r in responses]
    assert sorted(codes) == [200, 409], [r.text for r in responses]
    winner = (first, second)[codes.index(200)]
    loser = responses[codes.index(409)]
    assert loser.headers["content-type"] == "application/problem+json"
    assert loser.json()["portfolio_id"] == winner
    assert loser.json()["component_id"] == project_id
    assert winner in loser.json()["detail"]
    held = [
        [c["component_id"] for c in (await api.get(f"/v1/portfolios/{p}")).json()["components"]]
        for p in (first, second)
    ]
    assert sorted(held, key=len) == [[], [project_id]]


async def test_a_removed_component_may_join_another_portfolio(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    first, second = (
        (await create_portfolio(api))["portfolio_id"],
        (await create_portfolio(api))["portfolio_id"],
    )
    project_id = await project(projects, flagged_large=True)
    await known.project(project_id)
    body = {"component_id": project_id, "kind": "project", "estimate": "5000"}
    await post(api, f"/v1/portfolios/{first}/components", body)
    taken = await api.post(f"/v1/portfolios/{second}/components", json=body)
    assert taken.status_code == 409
    assert taken.json()["portfolio_id"] == first

    await post(api, f"/v1/portfolios/{first}/components/{project_id}/removal", {"reason": "move"})

    joined = await post(api, f"/v1/portfolios/{second}/components", body)
    assert [c["component_id"] for c in joined["components"]] == [project_id]


async def test_a_project_and_its_program_are_counted_once(
    api: httpx.AsyncClient,
    projects: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    known: References,
) -> None:
    member = await project(projects, flagged_large=True)
    other = await project(projects, flagged_large=True)
    holder = await program(programs, members=[member], pool="1000")
    with_other = await program(programs, members=[other], pool="1000")
    await known.program(holder, members=[member], pool="1000")
    await known.program(with_other, members=[other], pool="1000")
    p = f"/v1/portfolios/{(await create_portfolio(api))['portfolio_id']}"
    await post(api, f"{p}/components", {"component_id": holder, "kind": "program"})
    await post(api, f"{p}/components", {"component_id": other, "kind": "project", "estimate": "9"})

    through = await api.post(
        f"{p}/components", json={"component_id": member, "kind": "project", "estimate": "9"}
    )
    twice = await api.post(f"{p}/components", json={"component_id": with_other, "kind": "program"})

    assert through.status_code == 409, through.text
    assert through.json()["program_id"] == holder
    assert twice.status_code == 409, twice.text
    assert twice.json()["project_ids"] == [other]
    assert other in twice.json()["detail"]


async def test_a_stale_if_match_gets_412_and_changes_nothing(api: httpx.AsyncClient) -> None:
    p = f"/v1/portfolios/{(await create_portfolio(api))['portfolio_id']}"
    assert (await api.get(p)).headers["etag"] == '"1"'
    await put(api, f"{p}/budget", {"amount": "10"}, **{"If-Match": '"1"'})

    stale = await api.put(f"{p}/budget", json={"amount": "20"}, headers={"If-Match": '"1"'})

    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["current_version"] == 2
    assert stale.headers["etag"] == '"2"'
    assert [b["amount"] for b in (await api.get(p)).json()["budget"]] == ["10.00"]


async def test_concurrent_commands_at_one_if_match_exactly_one_wins(
    api: httpx.AsyncClient,
) -> None:
    p = f"/v1/portfolios/{(await create_portfolio(api))['portfolio_id']}"

    responses = await asyncio.gather(
        *(
            api.put(f"{p}/capacities/dev", json={"amount": str(i)}, headers={"If-Match": '"1"'})
            for i in range(4)
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 412, 412, 412]
    assert (await api.get(p)).json()["version"] == 2


async def test_create_with_one_idempotency_key_creates_once(api: httpx.AsyncClient) -> None:
    body = {**PORTFOLIO, "code": code()}
    key = {"Idempotency-Key": "portfolio-abc-1"}
    first = await api.post("/v1/portfolios", json=body, headers=key)
    again = await api.post("/v1/portfolios", json=body, headers=key)
    other = await api.post("/v1/portfolios", json={**body, "name": "Different"}, headers=key)

    assert first.status_code == again.status_code == 201
    assert again.json()["portfolio_id"] == first.json()["portfolio_id"]
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    listed = (await api.get("/v1/portfolios")).json()["items"]
    assert [i["portfolio_id"] for i in listed] == [first.json()["portfolio_id"]]


async def test_concurrent_retries_with_one_idempotency_key_create_once(
    api: httpx.AsyncClient,
) -> None:
    body = {**PORTFOLIO, "code": code()}
    responses = await asyncio.gather(
        *(
            api.post("/v1/portfolios", json=body, headers={"Idempotency-Key": "portfolio-storm"})
            for _ in range(5)
        )
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["portfolio_id"] for r in responses}) == 1


async def test_a_duplicate_code_is_a_conflict(api: httpx.AsyncClient) -> None:
    body = {**PORTFOLIO, "code": code()}
    assert (await api.post("/v1/portfolios", json=body)).status_code == 201
    duplicate = await api.post("/v1/portfolios", json=body)
    assert duplicate.status_code == 409
    assert "already exists" in duplicate.json()["detail"]
