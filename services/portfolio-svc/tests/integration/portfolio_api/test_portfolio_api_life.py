"""A portfolio's life on the running services: projects made in project-svc and a program in
program-svc reach portfolio-svc through Kafka, become components at their BAC or pool (a
candidate at its estimate), are scored, constrained, decided on (a program's decision covers
its members) and selected; every fact is dated and the portfolio reads as it was known."""

from __future__ import annotations

import httpx
import pytest

from .portfolio_flows import (
    MANAGER,
    STANDARDS,
    References,
    as_user,
    create_portfolio,
    post,
    program,
    project,
    put,
)

pytestmark = pytest.mark.integration


async def test_create_answers_201_with_location_and_etag_and_lists_the_portfolio(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post(
        "/v1/portfolios",
        json={"code": "STRAT-1", "name": "Strategy", "manager": MANAGER, "currency": "EUR"},
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/v1/portfolios/{created['portfolio_id']}"
    assert response.headers["etag"] == '"1"'
    assert (created["code"], created["manager"], created["version"]) == ("STRAT-1", MANAGER, 1)
    second = await create_portfolio(api)
    first_page = (await api.get("/v1/portfolios", params={"limit": 1})).json()
    rest = (await api.get("/v1/portfolios", params={"cursor": first_page["next_cursor"]})).json()
    mine = (await api.get("/v1/portfolios", params={"manager": MANAGER})).json()
    nobody = (await api.get("/v1/portfolios", params={"manager": "nobody"})).json()
    assert [i["portfolio_id"] for i in first_page["items"]] == [created["portfolio_id"]]
    assert [i["portfolio_id"] for i in rest["items"]] == [second["portfolio_id"]]
    assert rest["next_cursor"] is None
    assert len(mine["items"]) == 2
    assert mine["items"][0]["manager"] == MANAGER
    assert nobody["items"] == []


async def test_a_portfolio_of_real_programs_and_projects_from_weights_to_decisions(
    api: httpx.AsyncClient,
    projects: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    known: References,
) -> None:
    await put(api, "/v1/pmo/standards", {**STANDARDS, "effective_on": "2026-01-01"})
    big = await project(projects, bac="250000.00")
    candidate = await project(projects, flagged_large=True)
    member_a, member_b = await project(projects), await project(projects)
    program_id = await program(programs, members=[member_a, member_b], pool="900000.00")
    await known.project(big, bac="250000.00")
    await known.project(candidate)
    await known.program(program_id, pool="900000.00", members=[member_a, member_b])
    portfolio = await create_portfolio(api)
    p = f"/v1/portfolios/{portfolio['portfolio_id']}"
    manager = as_user(api, MANAGER, "portfolio_manager")
    dated = {"effective_on": "2026-02-01"}

    await put(api, f"{p}/weights", {"weights": {"growth": "3", "efficiency": "1"}, **dated})
    await post(api, f"{p}/components", {"component_id": big, "kind": "project", **dated})
    await post(
        api,
        f"{p}/components",
        {
            "component_id": candidate,
            "kind": "project",
            "estimate": "120000",
            "demand": {"architects": "2"},
            "risk_score": "0.3",
            **dated,
        },
        **manager,
    )
    await post(api, f"{p}/components", {"component_id": program_id, "kind": "program", **dated})
    for cid in (big, candidate, program_id):
        for objective, score in (("growth", "4"), ("efficiency", "2.5")):
            await put(
                api,
                f"{p}/components/{cid}/scores/{objective}",
                {"score": score, "rationale": "workshop", **dated},
            )
    await put(api, f"{p}/budget", {"amount": "1000000", **dated})
    await put(api, f"{p}/capacities/architects", {"amount": "5", **dated})
    await post(api, f"{p}/dependencies", {"component_id": candidate, "needs": big, **dated})
    await post(
        api, f"{p}/exclusive-groups", {"name": "one platform", "components": [big, program_id]}
    )
    await put(api, f"{p}/scenarios/lean", {"budget": "500000", **dated})
    decided = await post(
        api,
        f"{p}/decisions",
        {
            "component_id": program_id,
            "decision": "approve",
            "rationale": "core",
            "decided_on": "2026-03-01",
        },
        **manager,
    )
    adopted = await post(api, f"{p}/selection/adoption", {"as_of": "2026-03-01", "points": 3})
    removed = await post(
        api, f"{p}/components/{candidate}/removal", {"reason": "merged", **dated}, **manager
    )

    components = {c["component_id"]: c for c in decided["components"]}
    assert components[big]["costs"] == [
        {"effective_on": "2026-02-01", "amount": "250000.00", "is_estimate": False}
    ]
    assert components[candidate]["costs"][0]["is_estimate"] is True
    assert components[candidate]["demand"] == {"architects": "2"}
    assert components[program_id]["costs"][0]["amount"] == "900000.00"
    assert components[program_id]["kind"] == "program"
    (decision,) = components[program_id]["decisions"]
    assert decision["decided_by"] == MANAGER
    assert sorted(decision["covers"]) == sorted([member_a, member_b])
    assert decided["weights"][0]["weights"] == {"growth": "0.75", "efficiency": "0.25"}
    assert decided["capacities"] == [
        {"role": "architects", "timeline": [{"effective_on": "2026-02-01", "amount": "5"}]}
    ]
    (selection,) = adopted["adopted_selections"]
    # the approved program is forced in and holds the exclusive group; the candidate needs big
    assert selection["selected"] == [program_id]
    assert (selection["value"], selection["cost"]) == ("3.625", "900000.00")
    assert [point["current"] for point in selection["frontier"]].count(True) == 1
    gone = next(c for c in removed["components"] if c["component_id"] == candidate)
    assert gone["removed_on"] == "2026-02-01"
    trail = (await api.get(f"{p}/events")).json()
    assert [e["event_type"] for e in trail][:3] == [
        "PortfolioCreated",
        "ObjectivesWeighted",
        "ComponentAdded",
    ]
    assert trail[-1]["event_type"] == "ComponentRemoved"
    then = await api.get(p, params={"known_at": trail[1]["occurred_at"]})
    assert then.status_code == 200, then.text
    assert (then.json()["version"], then.headers["etag"]) == (2, '"2"')
    assert then.json()["components"] == []


async def test_a_cost_follows_a_new_baseline_and_a_decision_on_a_project_covers_nothing(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    project_id = await project(projects, flagged_large=True)
    await known.project(project_id)
    portfolio = await create_portfolio(api)
    p = f"/v1/portfolios/{portfolio['portfolio_id']}"
    added = {"component_id": project_id, "kind": "project", "effective_on": "2026-02-01"}
    await post(api, f"{p}/components", {**added, "estimate": "300000"})
    baseline = {
        "budget_at_completion": "320000.00",
        "planned_start": "2026-01-01",
        "planned_finish": "2026-12-31",
    }
    await post(projects, f"/v1/projects/{project_id}/baseline", baseline)
    await known.project(project_id, bac="320000.00")

    refused = await api.put(f"{p}/components/{project_id}/cost", json={"estimate": "1"})
    changed = await put(api, f"{p}/components/{project_id}/cost", {"effective_on": "2026-03-01"})
    decided = await post(
        api,
        f"{p}/decisions",
        {"component_id": project_id, "decision": "defer", "rationale": "next year"},
    )

    assert refused.status_code == 422
    assert refused.json()["known_cost"] == "320000.00"
    (component,) = changed["components"]
    assert [(c["amount"], c["is_estimate"]) for c in component["costs"]] == [
        ("300000.00", True),
        ("320000.00", False),
    ]
    assert decided["components"][0]["decisions"][0]["covers"] == []
