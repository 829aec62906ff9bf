"""Bad input on the running service: each refusal a precise application/problem+json, nothing
recorded."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from .portfolio_flows import (
    PORTFOLIO,
    STANDARDS,
    References,
    code,
    create_portfolio,
    program,
    project,
    put,
)

pytestmark = pytest.mark.integration
TOMORROW = "2999-12-31"


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "eur"}, "currency"),
        ({"code": "no spaces"}, "code"),
        ({"manager": "   "}, "manager"),
        ({"manager": "[erased]"}, "manager"),
        ({"name": ""}, "name"),
        ({"created_on": "2026-02-30"}, "created_on"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_a_bad_create_body_is_a_422_naming_the_field(
    api: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    response = await api.post("/v1/portfolios", json={**PORTFOLIO, "code": code(), **change})

    problem = _problem(response, 422)
    assert field in str(problem["errors"])
    assert (await api.get("/v1/portfolios")).json()["items"] == []


async def test_dates_in_the_future_or_before_the_portfolio_are_refused(
    api: httpx.AsyncClient,
) -> None:
    future = await api.post(
        "/v1/portfolios", json={**PORTFOLIO, "code": code(), "created_on": TOMORROW}
    )
    p = f"/v1/portfolios/{(await create_portfolio(api))['portfolio_id']}"
    budget_tomorrow = await api.put(f"{p}/budget", json={"amount": "1", "effective_on": TOMORROW})
    before_creation = await api.put(
        f"{p}/budget", json={"amount": "1", "effective_on": "2025-12-31"}
    )

    assert "after today" in _problem(future, 422)["detail"]
    assert "after today" in _problem(budget_tomorrow, 422)["detail"]
    assert _problem(before_creation, 422)["earliest"] == "2026-01-01"
    assert (await api.get(p)).json()["budget"] == []


async def test_bad_figures_are_refused(api: httpx.AsyncClient) -> None:
    p = f"/v1/portfolios/{(await create_portfolio(api))['portfolio_id']}"

    cents = await api.put(f"{p}/budget", json={"amount": "1.001"})
    negative = await api.put(f"{p}/budget", json={"amount": "-1"})
    zero_weights = await api.put(f"{p}/weights", json={"weights": {"growth": "0"}})
    no_weights = await api.put(f"{p}/weights", json={"weights": {}})
    bad_matrix = await api.put(
        f"{p}/weights/ahp", json={"objectives": ["a", "b"], "matrix": [[1, 2], [2, 1]]}
    )
    zero_entry = await api.put(
        f"{p}/weights/ahp", json={"objectives": ["a", "b"], "matrix": [[1, "1/0"], [0, 1]]}
    )
    unweighted = await api.put(
        f"{p}/components/{uuid.uuid4()}/scores/growth", json={"score": "6", "rationale": "x"}
    )

    assert _problem(cents, 422)
    assert _problem(negative, 422)
    assert "all zero" in _problem(zero_weights, 422)["detail"]
    assert _problem(no_weights, 422)
    assert _problem(bad_matrix, 422)["row"] == 1
    assert _problem(zero_entry, 422)
    assert _problem(unweighted, 422)
    assert (await api.get(p)).json()["version"] == 1


async def test_an_unknown_portfolio_component_or_scenario_is_a_404(api: httpx.AsyncClient) -> None:
    missing = f"/v1/portfolios/{uuid.uuid4()}"
    p = f"/v1/portfolios/{(await create_portfolio(api))['portfolio_id']}"
    await put(api, f"{p}/weights", {"weights": {"growth": "1"}})
    await put(api, f"{p}/budget", {"amount": "10"})

    assert _problem(await api.get(missing), 404)
    assert _problem(await api.get(f"{missing}/events"), 404)
    assert _problem(await api.get(f"{missing}/selection"), 404)
    assert _problem(await api.put(f"{missing}/budget", json={"amount": "1"}), 404)
    component = await api.put(
        f"{p}/components/{uuid.uuid4()}/scores/growth", json={"score": "1", "rationale": "x"}
    )
    assert "component_id" in _problem(component, 404)
    assert _problem(await api.get(f"{p}/selection", params={"scenario": "nope"}), 404)
    assert _problem(await api.get(f"{p}/scenarios/nope/comparison"), 404)


async def test_nothing_in_force_is_a_409_and_a_bad_if_match_a_400(api: httpx.AsyncClient) -> None:
    p = f"/v1/portfolios/{(await create_portfolio(api))['portfolio_id']}"

    no_weights = await api.get(f"{p}/ranking")
    no_budget = await api.get(f"{p}/selection")
    bad_etag = await api.put(f"{p}/budget", json={"amount": "1"}, headers={"If-Match": "3"})

    assert _problem(no_weights, 409)["missing"] == "objective weights"
    assert _problem(no_budget, 409)
    assert _problem(bad_etag, 400)


async def test_components_portfolio_svc_cannot_take(
    api: httpx.AsyncClient,
    projects: httpx.AsyncClient,
    programs: httpx.AsyncClient,
    known: References,
) -> None:
    small = await project(projects, bac="1000.00")
    unbaselined = await project(projects, flagged_large=True)
    yen = await project(projects, flagged_large=True, currency="JPY")
    poolless = await program(programs)
    for project_id in (small, unbaselined, yen):
        await known.project(project_id)
    await known.program(poolless)
    p = f"/v1/portfolios/{(await create_portfolio(api))['portfolio_id']}"

    def add(component_id: str, kind: str = "project", **more: Any) -> Any:
        body = {"component_id": component_id, "kind": kind, **more}
        return api.post(f"{p}/components", json=body)

    unknown = _problem(await add(str(uuid.uuid4())), 422)
    as_program = _problem(await add(small, "program"), 422)
    not_large = _problem(await add(small), 422)
    needs_estimate = _problem(await add(unbaselined), 422)
    pool_unknown = _problem(await add(poolless, "program"), 422)
    other_currency = _problem(await add(yen, estimate="5"), 422)

    assert "events may still be arriving" in unknown["detail"]
    assert as_program["kind"] == "program"
    assert not_large["threshold"] == "1000000"
    assert not_large["budget_at_completion"] == "1000.00"
    assert "estimate" in needs_estimate["detail"]
    assert "funding pool" in pool_unknown["detail"]
    assert other_currency["component_currency"] == "JPY"
    assert (await api.get(p)).json()["components"] == []


async def test_bad_standards_are_refused(api: httpx.AsyncClient) -> None:
    bad_zone = await api.put("/v1/pmo/standards", json={**STANDARDS, "time_zone": "Mars/Base"})
    amber_above = await api.put(
        "/v1/pmo/standards", json={**STANDARDS, "spi": {"green": "0.9", "amber": "0.95"}}
    )
    bad_classes = await api.put(
        "/v1/pmo/standards",
        json={**STANDARDS, "size_classes": {"EUR": [{"name": "S", "up_to": "10"}]}},
    )
    cadence = await api.put("/v1/pmo/standards", json={**STANDARDS, "reporting_cadence_days": 0})

    assert "time_zone" in _problem(bad_zone, 422)["detail"]
    assert "amber" in _problem(amber_above, 422)["detail"]
    assert "unbounded" in _problem(bad_classes, 422)["detail"]
    assert _problem(cadence, 422)
    assert _problem(await api.get("/v1/pmo/standards"), 404)
