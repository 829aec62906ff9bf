"""Bad input gets a precise problem, never a 500."""

from __future__ import annotations

import httpx
import pytest

from .flows import BASELINE, PROPOSAL, code, post, propose

pytestmark = pytest.mark.integration


async def test_malformed_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/projects", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"currency": "euro"}, "currency"),
        ({"methodology": "chaos"}, "methodology"),
        ({"code": ""}, "code"),
        ({"name": "   "}, "name"),
        ({"manager": " \t"}, "manager"),
        ({"sponsor": ""}, "sponsor"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    api: httpx.AsyncClient, override: dict[str, object], field: str
) -> None:
    response = await api.post("/v1/projects", json={**PROPOSAL, "code": code(), **override})
    assert response.status_code == 422
    assert field in str([e["loc"] for e in response.json()["errors"]])


async def test_domain_value_errors_are_422_and_transitions_409(api: httpx.AsyncClient) -> None:
    project_id = (await propose(api))["project_id"]
    p = f"/v1/projects/{project_id}"
    backwards = await api.post(f"{p}/baseline", json={**BASELINE, "planned_finish": "2025-01-01"})
    assert backwards.status_code == 422
    await post(api, f"{p}/baseline", BASELINE)
    await post(api, f"{p}/approve")
    await post(api, f"{p}/start", {"actual_start": "2026-02-01"})
    future = await api.post(f"{p}/progress", json={"percent_complete": 10, "as_of": "2999-01-01"})
    assert future.status_code == 422
    too_much = await api.post(f"{p}/progress", json={"percent_complete": 101})
    assert too_much.status_code == 422
    negative = await api.post(
        f"{p}/costs", json={"amount": "-5", "incurred_on": "2026-03-01", "category": "x"}
    )
    assert negative.status_code == 422
    refused = await api.post(f"{p}/approve")
    assert refused.status_code == 409
    assert refused.json()["current_state"] == "active"


async def test_unknown_project_and_parts_are_404(api: httpx.AsyncClient) -> None:
    missing = await api.get("/v1/projects/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert (await api.get("/v1/projects/not-a-uuid")).status_code == 422
    project_id = (await propose(api))["project_id"]
    no_office = await api.get(f"/v1/projects/{project_id}/office")
    assert no_office.status_code == 404
    bad_if_match = await api.post(
        f"/v1/projects/{project_id}/cancel", json={"reason": "x"}, headers={"If-Match": "yesterday"}
    )
    assert bad_if_match.status_code == 400


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("milestones", {"name": "  ", "due_date": "2026-06-30"}, "name"),
        ("risks", {"title": " ", "probability": "0.5", "impact": "10", "owner": "x"}, "title"),
        ("risks", {"title": "Vendor", "probability": "0.5", "impact": "10", "owner": " "}, "owner"),
        ("hold", {"reason": "   "}, "reason"),
        ("office", {"lead": "  ", "reporting_cadence_days": 7}, "lead"),
    ],
)
async def test_blank_names_and_reasons_are_422(
    api: httpx.AsyncClient, path: str, body: dict[str, object], field: str
) -> None:
    project_id = (await propose(api, flagged_large=True))["project_id"]

    response = await api.post(f"/v1/projects/{project_id}/{path}", json=body)

    assert response.status_code == 422, response.text
    assert [e["loc"][-1] for e in response.json()["errors"]] == [field]
