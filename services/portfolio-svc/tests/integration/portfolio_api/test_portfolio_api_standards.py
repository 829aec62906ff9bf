"""The PMO's standards on the running service: the first PUT begins the tenant's standards,
each set is in force from its date, reads answer both time axes, the history lists every set,
and the large-project threshold in force decides which projects may be components."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from .portfolio_flows import STANDARDS, References, create_portfolio, project, put

pytestmark = pytest.mark.integration


async def test_sets_in_force_by_date_and_as_known(api: httpx.AsyncClient) -> None:
    first = await api.put("/v1/pmo/standards", json={**STANDARDS, "effective_on": "2026-02-01"})
    between = datetime.now(UTC).isoformat()
    second = await api.put(
        "/v1/pmo/standards",
        json={
            **STANDARDS,
            "reporting_cadence_days": 7,
            "required_gates": ["rebaseline_active_needs_pmo"],
            "size_classes": {"EUR": [{"name": "S", "up_to": "100000"}, {"name": "L"}]},
            "effective_on": "2026-04-01",
        },
        headers={"If-Match": '"1"'},
    )

    assert first.status_code == 200, first.text
    assert first.headers["etag"] == '"1"'
    assert (first.json()["version"], first.json()["effective_on"]) == (1, "2026-02-01")
    assert first.json()["large_project_threshold"] == {"EUR": "100000.00"}
    assert second.status_code == 200, second.text
    assert second.headers["etag"] == '"2"'
    march = (await api.get("/v1/pmo/standards", params={"as_of": "2026-03-01"})).json()
    april = await api.get("/v1/pmo/standards", params={"as_of": "2026-04-01"})
    april_then = await api.get(
        "/v1/pmo/standards", params={"as_of": "2026-04-01", "known_at": between}
    )
    before = await api.get("/v1/pmo/standards", params={"as_of": "2026-01-31"})
    history = (await api.get("/v1/pmo/standards/history")).json()["items"]
    assert march["reporting_cadence_days"] == 14
    assert april.json()["reporting_cadence_days"] == 7
    assert april.json()["size_classes"] == {
        "EUR": [{"name": "S", "up_to": "100000.00"}, {"name": "L", "up_to": None}]
    }
    assert april.headers["etag"] == '"2"'
    assert (april_then.json()["reporting_cadence_days"], april_then.json()["version"]) == (14, 1)
    assert before.status_code == 404
    assert before.headers["content-type"] == "application/problem+json"
    assert [(h["version"], h["effective_on"]) for h in history] == [
        (1, "2026-02-01"),
        (2, "2026-04-01"),
    ]
    assert all(h["recorded_at"] for h in history)


async def test_a_stale_if_match_and_a_backdated_set_are_refused(api: httpx.AsyncClient) -> None:
    await put(api, "/v1/pmo/standards", {**STANDARDS, "effective_on": "2026-03-01"})

    stale = await api.put("/v1/pmo/standards", json=STANDARDS, headers={"If-Match": '"7"'})
    backdated = await api.put("/v1/pmo/standards", json={**STANDARDS, "effective_on": "2026-02-01"})

    assert stale.status_code == 412
    assert backdated.status_code == 422
    assert backdated.json()["earliest"] == "2026-03-01"
    assert len((await api.get("/v1/pmo/standards/history")).json()["items"]) == 1


async def test_the_threshold_in_force_on_the_date_decides_what_is_large(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    project_id = await project(projects, bac="150000.00")
    await known.project(project_id, bac="150000.00")
    p = f"/v1/portfolios/{(await create_portfolio(api))['portfolio_id']}"
    body = {"component_id": project_id, "kind": "project"}
    await put(api, "/v1/pmo/standards", {**STANDARDS, "effective_on": "2026-03-01"})

    before = await api.post(f"{p}/components", json={**body, "effective_on": "2026-02-01"})
    after = await api.post(f"{p}/components", json={**body, "effective_on": "2026-03-01"})

    assert before.status_code == 422, before.text
    assert before.json()["threshold"] == "1000000"  # no standards in force yet: the default
    assert after.status_code == 200, after.text
