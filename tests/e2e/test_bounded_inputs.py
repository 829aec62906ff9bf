"""Inputs are bounded where they enter (issue 10, item 3): a business date outside the API's
range is a 422 at project-svc and reporting-svc, an instant beyond it too, a cursor carrying a
number no bigint holds (or a negative one) is a 400 `bad-cursor`, an unknown status a 422."""

from __future__ import annotations

import base64

import httpx
import pytest

from .steps import new_project

pytestmark = pytest.mark.integration


def _cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "3000-01-01", "1899-12-31"])
async def test_a_baseline_outside_the_business_date_range_is_refused(
    projects: httpx.AsyncClient, day: str
) -> None:
    project_id = await new_project(projects)
    body = {"budget_at_completion": "1000", "planned_start": "2026-01-05", "planned_finish": day}
    if day < "2026":
        body = {**body, "planned_start": day, "planned_finish": "2026-10-30"}
    response = await projects.post(
        f"/v1/projects/{project_id}/baseline", json=body, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422, response.text


async def test_the_edges_of_the_range_are_accepted(projects: httpx.AsyncClient) -> None:
    project_id = await new_project(projects)
    body = {
        "budget_at_completion": "1000",
        "planned_start": "1900-01-01",
        "planned_finish": "2999-12-31",
    }
    response = await projects.post(
        f"/v1/projects/{project_id}/baseline", json=body, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "value", ["p:99999999999999999999", "p:9223372036854775808", "p:-1", "p:²"]
)
async def test_a_project_cursor_out_of_range_is_a_bad_cursor(
    projects: httpx.AsyncClient, value: str
) -> None:
    response = await projects.get("/v1/projects", params={"cursor": _cursor(value)})
    assert response.status_code == 400, response.text
    assert response.json()["type"].endswith("/bad-cursor")


@pytest.mark.parametrize(
    "params",
    [
        {"as_of": "9999-12-31"},
        {"as_of": "0001-01-01"},
        {"known_at": "9999-12-31T23:59:59-23:59"},
        {"known_at": "0001-01-01T00:00:00+23:59"},
        {"status": "no-such-status"},
    ],
)
async def test_report_parameters_outside_their_range_are_422(
    reports: httpx.AsyncClient, params: dict[str, str]
) -> None:
    for path in ("/v1/reports/projects", "/v1/reports/pmo/overview"):
        if "status" in params and path.endswith("overview"):
            continue
        response = await reports.get(path, params=params)
        assert response.status_code == 422, f"{path} {params}: {response.text}"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/v1/reports/projects", "o:99999999999999999999"),
        ("/v1/reports/projects", "o:-5"),
        ("/v1/reports/projects", "p:99999999999999999999"),
        ("/v1/reports/lessons", "2026-01-01T00:00:00|00000000-0000-0000-0000-000000000000"),
        ("/v1/reports/lessons", "0001-01-01T00:00:00+23:59|00000000-0000-0000-0000-000000000000"),
    ],
)
async def test_a_report_cursor_out_of_range_is_a_bad_cursor(
    reports: httpx.AsyncClient, path: str, value: str
) -> None:
    response = await reports.get(path, params={"cursor": _cursor(value)})
    assert response.status_code == 400, response.text
    assert response.json()["type"].endswith("/bad-cursor")
