"""Bad input gets a precise problem (400, 422, 409, 404), never a 500."""

from __future__ import annotations

import uuid

import httpx
import pytest

from .program_flows import PROGRAM, References, active_program, code, post, project

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


async def test_malformed_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/programs", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"currency": "euro"}, "currency"),
        ({"code": ""}, "code"),
        ({"name": "   "}, "name"),
        ({"area": ""}, "area"),
        ({"manager": " \t"}, "manager"),
        ({"sponsor": "[erased]"}, "sponsor"),
        ({"proposed_on": "2026-13-01"}, "proposed_on"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
async def test_invalid_proposals_are_422_naming_the_field(
    api: httpx.AsyncClient, override: dict[str, object], field: str
) -> None:
    response = await api.post("/v1/programs", json={**PROGRAM, "code": code(), **override})
    assert response.status_code == 422, response.text
    assert field in str([e["loc"] for e in response.json()["errors"]])


async def test_a_currency_without_a_minor_unit_is_422(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/programs", json={**PROGRAM, "code": code(), "currency": "XAU"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("funding/set", {"amount": "1.005"}),  # beyond EUR's minor unit
        ("funding/set", {"amount": "-1"}),
        ("funding/increase", {"amount": "5", "reason": "  "}),
        ("funding/allocations", {"project_id": "not-a-uuid", "amount": "1"}),
        ("resources", {"kind": "person", "weekly_capacity_hours": "40"}),  # no person
        ("resources", {"kind": "role", "role": "x", "weekly_capacity_hours": "169"}),
        (
            "assignments",
            {
                "resource_id": str(uuid.uuid4()),
                "project_id": str(uuid.uuid4()),
                "hours_per_week": "8",
                "first_week": "2027-W53",
                "last_week": "2027-W53",
            },
        ),
        (
            "benefits",
            {
                "name": "b",
                "measure": "m",
                "unit": "u",
                "target_value": "0",
                "target_date": "2027-01-01",
                "owner": "o",
            },
        ),
        ("hold", {"reason": "x", "effective_on": "2999-01-01"}),  # in the future
        (
            "dependencies",
            {
                "dependent_project_id": str(uuid.uuid4()),
                "prerequisite_project_id": str(uuid.uuid4()),
                "kind": "sideways",
            },
        ),
    ],
)
async def test_invalid_values_are_422(
    api: httpx.AsyncClient, path: str, body: dict[str, object]
) -> None:
    program_id = await active_program(api)

    response = await api.post(f"/v1/programs/{program_id}/{path}", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM


async def test_an_unknown_project_is_422_never_500(api: httpx.AsyncClient) -> None:
    program_id = await active_program(api)
    missing = str(uuid.uuid4())

    response = await api.post(f"/v1/programs/{program_id}/members", json={"project_id": missing})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == f"unknown project {missing} (events may still be arriving)"
    assert response.json()["project_id"] == missing


async def test_a_project_in_another_currency_is_422_naming_both(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    program_id = await active_program(api)
    yen = await project(projects, currency="JPY")
    await known.wait(yen)

    response = await api.post(f"/v1/programs/{program_id}/members", json={"project_id": yen})

    assert response.status_code == 422
    problem = response.json()
    assert (problem["project_currency"], problem["program_currency"]) == ("JPY", "EUR")
    assert "JPY" in problem["detail"]
    assert "EUR" in problem["detail"]


async def test_rules_and_transitions_are_409(
    api: httpx.AsyncClient, projects: httpx.AsyncClient, known: References
) -> None:
    program_id = await active_program(api)
    p = f"/v1/programs/{program_id}"
    not_member = await api.post(
        f"{p}/funding/allocations", json={"project_id": str(uuid.uuid4()), "amount": "1"}
    )
    assert not_member.status_code == 409
    member = await project(projects)
    await known.wait(member)
    await post(api, f"{p}/members", {"project_id": member})
    again = await api.post(f"{p}/members", json={"project_id": member})
    assert again.status_code == 409
    over = await api.post(f"{p}/funding/allocations", json={"project_id": member, "amount": "1"})
    assert over.status_code == 409
    assert over.json()["available"] == "0.00"
    refused = await api.post(f"{p}/activate")
    assert refused.status_code == 409
    assert refused.json()["current_state"] == "active"


async def test_unknown_programs_and_parts_are_404(api: httpx.AsyncClient) -> None:
    missing = await api.get(f"/v1/programs/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    assert (await api.get(f"/v1/programs/{uuid.uuid4()}/events")).status_code == 404
    assert (await api.get("/v1/programs/not-a-uuid")).status_code == 422
    program_id = await active_program(api)
    p = f"/v1/programs/{program_id}"
    for path, body in (
        (f"{p}/assignments/{uuid.uuid4()}/release", None),
        (f"{p}/dependencies/{uuid.uuid4()}/remove", None),
        (f"{p}/members/{uuid.uuid4()}/remove", None),
        (f"{p}/benefits/{uuid.uuid4()}/realisations", {"value": "1"}),
    ):
        response = await api.post(path, json=body)
        assert response.status_code == 404, (path, response.text)


async def test_bad_headers_and_cursors_are_400(api: httpx.AsyncClient) -> None:
    program_id = await active_program(api)
    bad_if_match = await api.post(
        f"/v1/programs/{program_id}/hold", json={"reason": "x"}, headers={"If-Match": "yesterday"}
    )
    assert bad_if_match.status_code == 400
    bad_cursor = await api.get("/v1/programs", params={"cursor": "bm90LW91cnM"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["type"].endswith("bad-cursor")
